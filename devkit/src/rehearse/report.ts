/**
 * The rehearsal report: what each step did, how long it took, the requests it sent and lost, the
 * service events ECS recorded meanwhile, and every failed expectation. Written as JSON (for tools)
 * and Markdown (for people), e.g. as CI's artifact.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PolicyJson } from '../deploy/iam-decisions.ts';
import type { VersionRun } from '../load/load.ts';

export interface StepRequests {
  sent: number;
  failed: number;
  /** Starts skipped because the in-flight bound was reached (neither sent nor failed). */
  skipped: number;
  versions: VersionRun[];
}

export interface StepRecord {
  name: string;
  title: string;
  status: 'passed' | 'failed';
  durationMs: number;
  requests?: StepRequests;
  /** Service events ECS recorded during the step, oldest first. */
  events: string[];
  notes: string[];
  /** Failed expectations of this step, each with its reason. */
  failures: string[];
}

/** deploy.yml's credential step as rehearsed: who got the deploy role, and who was refused. */
export interface DeployRoleRecord {
  repository: string;
  stage: string;
  /** The branch deploy.yml maps to the stage, and the token's `sub` for its deploy job. */
  branch: string;
  subject: string;
  roleArn: string;
  /** What the deploys ran as (GetCallerIdentity with the temporary credentials). */
  sessionArn: string;
  expiresAt: string;
  /** A push's token for a role that does not trust it, and STS's answer. */
  refused: { subject: string; roleArn: string; error: string };
  /**
   * What the deploys used, as the least-privilege policy the cloud recorded, and how the bootstrap's
   * grant differs: used but not granted (missing), granted more widely than used (broader).
   */
  used?: { policy: PolicyJson; missing: string[]; broader: string[] };
}

export interface RehearsalReport {
  startedAt: string;
  wallTimeMs: number;
  /** Issue 7's benchmark: the whole rehearsal within this many milliseconds. */
  targetMs: number;
  passed: boolean;
  machine: { cpus: number; node: string; docker: string };
  deployRole?: DeployRoleRecord;
  steps: StepRecord[];
}

export const REPORT_FILES = { json: 'rehearsal.json', markdown: 'rehearsal.md' } as const;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Every failed expectation of the run, prefixed by its step. */
export function failuresOf(report: RehearsalReport): string[] {
  return report.steps.flatMap((step) => step.failures.map((failure) => `${step.name}: ${failure}`));
}

function versionsText(versions: VersionRun[]): string {
  return versions.map((run) => `${run.version}×${run.count}`).join(' → ') || '—';
}

/** Table cells hold one line, and a `|` would end the cell. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

export function renderMarkdown(report: RehearsalReport): string {
  const lines: string[] = [];
  const verdict = report.passed ? 'PASSED' : 'FAILED';
  const withinTarget = report.wallTimeMs <= report.targetMs ? 'within' : 'over';
  lines.push(`# Rehearsal ${verdict}`, '');
  lines.push(
    `Started ${report.startedAt}; wall time **${seconds(report.wallTimeMs)}** (${withinTarget} the ${seconds(report.targetMs)} target) on ${report.machine.cpus} CPUs, Node ${report.machine.node}, Docker ${report.machine.docker}.`,
    '',
  );
  lines.push('| Step | Result | Duration | Requests sent | Failed | Versions answering |');
  lines.push('| --- | --- | ---: | ---: | ---: | --- |');
  for (const step of report.steps) {
    const requests = step.requests;
    lines.push(
      `| ${cell(step.title)} | ${step.status} | ${seconds(step.durationMs)} | ${requests?.sent ?? '—'} | ${requests?.failed ?? '—'} | ${cell(requests ? versionsText(requests.versions) : '—')} |`,
    );
  }
  const role = report.deployRole;
  if (role) {
    lines.push('', "## Deploy role (deploy.yml's OIDC credential step)", '');
    lines.push(
      `- ${role.repository}, a push to \`${role.branch}\` (stage ${role.stage}; token sub \`${role.subject}\`): assumed \`${role.roleArn}\`; the deploys ran as \`${role.sessionArn}\` (credentials until ${role.expiresAt})`,
      `- token sub \`${role.refused.subject}\` asking for \`${role.refused.roleArn}\`: ${role.refused.error}`,
    );
    if (role.used) {
      lines.push('', 'The least-privilege policy the deploys needed (recorded by the cloud):', '');
      lines.push('```json', JSON.stringify(role.used.policy, null, 2), '```');
      for (const line of role.used.missing) lines.push(`- **not granted by devkit bootstrap:** ${line}`);
      for (const line of role.used.broader) lines.push(`- bootstrap's grant ${line}`);
    }
  }
  const failures = failuresOf(report);
  if (failures.length > 0) {
    lines.push('', '## Failed expectations', '');
    for (const failure of failures) lines.push(`- ${failure}`);
  }
  for (const step of report.steps) {
    lines.push('', `## ${step.title}`, '');
    for (const note of step.notes) lines.push(`- ${note}`);
    for (const failure of step.failures) lines.push(`- **failed:** ${failure}`);
    if (step.events.length > 0) {
      lines.push('', 'Service events:', '', '```');
      lines.push(...step.events);
      lines.push('```');
    }
  }
  return `${lines.join('\n')}\n`;
}

export function renderJson(report: RehearsalReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Writes both forms into `dir`; returns their paths. */
export async function writeReport(
  dir: string,
  rendered: { json: string; markdown: string },
): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const paths = { json: join(dir, REPORT_FILES.json), markdown: join(dir, REPORT_FILES.markdown) };
  await writeFile(paths.json, rendered.json);
  await writeFile(paths.markdown, rendered.markdown);
  return paths;
}
