/**
 * Users' X.509 signing certificates: PEM certificates (parsed by node:crypto), two per user, one
 * certificate in the whole account only once, Active or Inactive. Without a UserName, the calling
 * user's.
 *
 * Chosen where the reference is silent: an expired certificate, or one not yet valid, is
 * InvalidCertificate; the body is kept and answered as uploaded.
 */
import { X509Certificate } from 'node:crypto';
import type {
  DeleteSigningCertificateRequest,
  ListSigningCertificatesRequest,
  ListSigningCertificatesResponse,
  SigningCertificate,
  UpdateSigningCertificateRequest,
  UploadSigningCertificateRequest,
  UploadSigningCertificateResponse,
} from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, toDate } from '../common.ts';
import type { IamState, SigningCertificateRecord, UserRecord } from './state.ts';
import { noSuchEntity, settableStatus, uniqueId, users } from './state.ts';
import { namedOrCallingUser } from './users.ts';

const CERTIFICATES_PER_USER = 2;

function parse(body: string): X509Certificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(body.trim());
  } catch {
    throw new ServiceError('The certificate is malformed: it must be one X.509 certificate in PEM form.', {
      code: 'MalformedCertificate',
    });
  }
  const now = Date.now();
  if (Date.parse(certificate.validTo) < now || Date.parse(certificate.validFrom) > now) {
    throw new ServiceError(
      `The certificate is not valid now: it is valid from ${certificate.validFrom} to ${certificate.validTo}.`,
      { code: 'InvalidCertificate' },
    );
  }
  return certificate;
}

function certificateOf(user: UserRecord, id: string): SigningCertificateRecord {
  const certificate = (user.signingCertificates ?? []).find((c) => c.id === id);
  if (!certificate) throw noSuchEntity(`The Certificate with id ${id} cannot be found.`);
  return certificate;
}

function shape(user: UserRecord, certificate: SigningCertificateRecord): SigningCertificate {
  return {
    UserName: user.name,
    CertificateId: certificate.id,
    CertificateBody: certificate.body,
    Status: certificate.status,
    UploadDate: toDate(certificate.uploadedMs)!,
  };
}

export const uploadSigningCertificate: Handler<
  Checked<UploadSigningCertificateRequest, 'CertificateBody'>,
  UploadSigningCertificateResponse,
  IamState
> = (input, ctx) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  const fingerprint = parse(input.CertificateBody).fingerprint256;
  const inAccount = Object.values(users(ctx.state)).flatMap((u) => u.signingCertificates ?? []);
  if (inAccount.some((c) => c.fingerprint === fingerprint)) {
    throw new ServiceError('The same certificate is already associated with an IAM user in the account.', {
      code: 'DuplicateCertificate',
      status: 409,
    });
  }
  const certificates = (user.signingCertificates ??= []);
  if (certificates.length >= CERTIFICATES_PER_USER) {
    throw new ServiceError(`Cannot exceed quota for SigningCertificatesPerUser: ${CERTIFICATES_PER_USER}`, {
      code: 'LimitExceeded',
      status: 409,
    });
  }
  const record: SigningCertificateRecord = {
    id: uniqueId('', 28),
    body: input.CertificateBody,
    fingerprint,
    status: 'Active',
    uploadedMs: Date.now(),
  };
  certificates.push(record);
  return { Certificate: shape(user, record) };
};

export const listSigningCertificates: Handler<
  ListSigningCertificatesRequest,
  ListSigningCertificatesResponse,
  IamState
> = (input, ctx) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  const { page, nextToken } = paginate(user.signingCertificates ?? [], input.MaxItems, input.Marker);
  return {
    Certificates: page.map((c) => shape(user, c)),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

export const updateSigningCertificate: Handler<
  Checked<UpdateSigningCertificateRequest, 'CertificateId' | 'Status'>,
  void,
  IamState
> = (input, ctx) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  const certificate = certificateOf(user, input.CertificateId);
  certificate.status = settableStatus(input.Status);
};

export const deleteSigningCertificate: Handler<
  Checked<DeleteSigningCertificateRequest, 'CertificateId'>,
  void,
  IamState
> = (input, ctx) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  certificateOf(user, input.CertificateId);
  user.signingCertificates = user.signingCertificates!.filter((c) => c.id !== input.CertificateId);
};
