/**
 * The credential report: one CSV row for the account's root and each user, with AWS's columns, as
 * of when GenerateCredentialReport made it. A report is good for four hours: asked again within
 * them, GenerateCredentialReport answers COMPLETE and keeps it; after them GetCredentialReport
 * answers ReportExpired and GenerateCredentialReport makes a new one.
 *
 * Chosen where the reference is silent: the report is made at once (GenerateCredentialReport
 * answers STARTED, and it is ready before the caller can ask for it); nobody signs in to a local
 * console, so a password's last use is `no_information`; the root has no password, MFA device,
 * access keys or certificates here, and its creation time is `N/A` (the local account has none).
 */
import type { GenerateCredentialReportResponse, GetCredentialReportResponse } from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
import type { Handler } from '../../service-definition.ts';
import type { IamState, UserRecord } from './state.ts';
import { userMfaDevices, users } from './state.ts';

const REPORT_LIFETIME_MS = 4 * 3_600_000;
const DAY_MS = 86_400_000;

/** The reference's columns, in its order. */
const COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

type Row = Record<(typeof COLUMNS)[number], string>;

/** ISO 8601 as the report writes it: `2024-05-01T12:00:00+00:00`. */
function time(epochMs: number | undefined): string {
  return epochMs === undefined ? 'N/A' : new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function userRow(state: IamState, user: UserRecord): Row {
  const profile = user.loginProfile;
  const maxAge = state.passwordPolicy?.MaxPasswordAge;
  const [key1, key2] = user.accessKeys;
  const [cert1, cert2] = user.signingCertificates ?? [];
  return {
    user: user.name,
    arn: user.arn,
    user_creation_time: time(user.createdMs),
    password_enabled: String(profile !== undefined),
    password_last_used: profile ? 'no_information' : 'N/A',
    password_last_changed: time(profile?.passwordChangedMs),
    password_next_rotation: profile && maxAge ? time(profile.passwordChangedMs + maxAge * DAY_MS) : 'N/A',
    mfa_active: String(userMfaDevices(state, user).length > 0),
    access_key_1_active: String(key1?.status === 'Active'),
    access_key_1_last_rotated: time(key1?.createdMs),
    access_key_1_last_used_date: time(key1?.lastUsed?.timeMs),
    access_key_1_last_used_region: key1?.lastUsed?.region ?? 'N/A',
    access_key_1_last_used_service: key1?.lastUsed?.service ?? 'N/A',
    access_key_2_active: String(key2?.status === 'Active'),
    access_key_2_last_rotated: time(key2?.createdMs),
    access_key_2_last_used_date: time(key2?.lastUsed?.timeMs),
    access_key_2_last_used_region: key2?.lastUsed?.region ?? 'N/A',
    access_key_2_last_used_service: key2?.lastUsed?.service ?? 'N/A',
    cert_1_active: String(cert1?.status === 'Active'),
    cert_1_last_rotated: time(cert1?.uploadedMs),
    cert_2_active: String(cert2?.status === 'Active'),
    cert_2_last_rotated: time(cert2?.uploadedMs),
  };
}

function rootRow(accountId: string): Row {
  return {
    user: '<root_account>',
    arn: `arn:aws:iam::${accountId}:root`,
    user_creation_time: 'N/A',
    password_enabled: 'not_supported',
    password_last_used: 'N/A',
    password_last_changed: 'not_supported',
    password_next_rotation: 'not_supported',
    mfa_active: 'false',
    access_key_1_active: 'false',
    access_key_1_last_rotated: 'N/A',
    access_key_1_last_used_date: 'N/A',
    access_key_1_last_used_region: 'N/A',
    access_key_1_last_used_service: 'N/A',
    access_key_2_active: 'false',
    access_key_2_last_rotated: 'N/A',
    access_key_2_last_used_date: 'N/A',
    access_key_2_last_used_region: 'N/A',
    access_key_2_last_used_service: 'N/A',
    cert_1_active: 'false',
    cert_1_last_rotated: 'N/A',
    cert_2_active: 'false',
    cert_2_last_rotated: 'N/A',
  };
}

/** RFC 4180: a field with a comma (user names and paths may have one) or quote is quoted. */
function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csv(rows: Row[]): string {
  return [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => field(r[c])).join(','))].join('\n');
}

export const generateCredentialReport: Handler<unknown, GenerateCredentialReportResponse, IamState> = (
  _input,
  ctx,
) => {
  const report = ctx.state.credentialReport;
  if (report && Date.now() - report.generatedMs < REPORT_LIFETIME_MS) return { State: 'COMPLETE' };
  const listed = Object.values(users(ctx.state)).sort((a, b) => a.name.localeCompare(b.name));
  ctx.state.credentialReport = {
    generatedMs: Date.now(),
    csv: csv([rootRow(ctx.accountId), ...listed.map((u) => userRow(ctx.state, u))]),
  };
  return {
    State: 'STARTED',
    Description: report
      ? 'The report has expired. Starting a new report generation task'
      : 'No report exists. Starting a new report generation task',
  };
};

export const getCredentialReport: Handler<unknown, GetCredentialReportResponse, IamState> = (_input, ctx) => {
  const report = ctx.state.credentialReport;
  if (!report) {
    throw new ServiceError('Credential report does not exist. Use GenerateCredentialReport to make one.', {
      code: 'ReportNotPresent',
      status: 410,
    });
  }
  if (Date.now() - report.generatedMs >= REPORT_LIFETIME_MS) {
    throw new ServiceError(
      'The credential report has expired (reports expire four hours after they are made). Use GenerateCredentialReport to make a new one.',
      { code: 'ReportExpired', status: 410 },
    );
  }
  return {
    Content: Buffer.from(report.csv),
    ReportFormat: 'text/csv',
    GeneratedTime: new Date(report.generatedMs),
  };
};
