// The rehearsal report as written to disk: JSON that reads back as the report, Markdown with a table
// row per step, the wall time against its target, every failed expectation and the service events.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RehearsalReport } from '../../src/rehearse/report.ts';
import { failuresOf, renderJson, renderMarkdown, writeReport } from '../../src/rehearse/report.ts';

function report(overrides: Partial<RehearsalReport> = {}): RehearsalReport {
  return {
    startedAt: '2026-11-24T20:00:00.000Z',
    wallTimeMs: 71_234,
    targetMs: 90_000,
    passed: true,
    machine: { cpus: 2, node: 'v24.21.0', docker: '20.10.24' },
    steps: [
      {
        name: 'deploy-v1',
        title: 'Deploy v1 and check answers',
        status: 'passed',
        durationMs: 20_500,
        events: ['(service iscoolgpt-dev) has reached a steady state.'],
        notes: ['POST /v1/chat answered'],
        failures: [],
      },
      {
        name: 'deploy-v2',
        title: 'Deploy v2 under load',
        status: 'passed',
        durationMs: 15_250,
        requests: {
          sent: 120,
          failed: 0,
          skipped: 0,
          versions: [
            { version: 'v1', count: 50 },
            { version: 'v2', count: 70 },
          ],
        },
        events: [],
        notes: [],
        failures: [],
      },
    ],
    ...overrides,
  };
}

describe('the rehearsal report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'devkit-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says who got the deploy role and who was refused', () => {
    const markdown = renderMarkdown(
      report({
        deployRole: {
          repository: 'acme/iscoolgpt',
          stage: 'dev',
          branch: 'rehearsal-abc',
          subject: 'repo:acme/iscoolgpt:environment:dev',
          roleArn: 'arn:aws:iam::000000000000:role/iscoolgpt-dev-deploy',
          sessionArn: 'arn:aws:sts::000000000000:assumed-role/iscoolgpt-dev-deploy/iscoolgpt-deploy-abc',
          expiresAt: '2026-11-24T21:00:00.000Z',
          refused: {
            subject: 'repo:acme/iscoolgpt:ref:refs/heads/rehearsal-abc',
            roleArn: 'arn:aws:iam::000000000000:role/iscoolgpt-prod-deploy',
            error: 'AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity',
          },
        },
      }),
    );
    expect(markdown).toContain("## Deploy role (deploy.yml's OIDC credential step)");
    expect(markdown).toContain(
      '- acme/iscoolgpt, a push to `rehearsal-abc` (stage dev; token sub `repo:acme/iscoolgpt:environment:dev`): assumed `arn:aws:iam::000000000000:role/iscoolgpt-dev-deploy`; the deploys ran as `arn:aws:sts::000000000000:assumed-role/iscoolgpt-dev-deploy/iscoolgpt-deploy-abc`',
    );
    expect(markdown).toContain(
      '- token sub `repo:acme/iscoolgpt:ref:refs/heads/rehearsal-abc` asking for `arn:aws:iam::000000000000:role/iscoolgpt-prod-deploy`: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity',
    );
    expect(renderMarkdown(report())).not.toContain('Deploy role');
  });

  it("shows the least-privilege policy the deploys used, and how the bootstrap's grant differs", () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ecs:RegisterTaskDefinition', Resource: '*' }],
    };
    const markdown = renderMarkdown(
      report({
        deployRole: {
          repository: 'acme/iscoolgpt',
          stage: 'dev',
          branch: 'rehearsal-abc',
          subject: 'repo:acme/iscoolgpt:environment:dev',
          roleArn: 'arn:aws:iam::000000000000:role/iscoolgpt-dev-deploy',
          sessionArn: 'arn:aws:sts::000000000000:assumed-role/iscoolgpt-dev-deploy/s',
          expiresAt: '2026-11-24T21:00:00.000Z',
          refused: { subject: 's', roleArn: 'r', error: 'AccessDenied' },
          used: {
            policy,
            missing: ['missing ecs:UpdateService on arn:aws:ecs:us-east-1:000000000000:service/c/s'],
            broader: ['broader than needed: ecs:DeleteService on *'],
          },
        },
      }),
    );
    expect(markdown).toContain(`\`\`\`json\n${JSON.stringify(policy, null, 2)}\n\`\`\``);
    expect(markdown).toContain(
      '- **not granted by devkit bootstrap:** missing ecs:UpdateService on arn:aws:ecs:us-east-1:000000000000:service/c/s',
    );
    expect(markdown).toContain("- bootstrap's grant broader than needed: ecs:DeleteService on *");
  });

  it('renders a passing run: verdict, wall time within target, one row per step, events', () => {
    const markdown = renderMarkdown(report());
    expect(markdown.split('\n')[0]).toBe('# Rehearsal PASSED');
    expect(markdown).toContain('wall time **71.2 s** (within the 90.0 s target) on 2 CPUs');
    expect(markdown).toContain('| Deploy v1 and check answers | passed | 20.5 s | — | — | — |');
    expect(markdown).toContain('| Deploy v2 under load | passed | 15.3 s | 120 | 0 | v1×50 → v2×70 |');
    expect(markdown).toContain('```\n(service iscoolgpt-dev) has reached a steady state.\n```');
    expect(markdown).not.toContain('Failed expectations');
  });

  it('renders a failed run with every failed expectation, and keeps table cells on one line', () => {
    const failed = report({ passed: false, wallTimeMs: 95_000 });
    failed.steps[1] = {
      ...failed.steps[1]!,
      title: 'Deploy v2 | under load',
      status: 'failed',
      failures: ['2 of 120 requests failed: 503 ×2', 'version never switched\nto v2'],
    };
    const markdown = renderMarkdown(failed);
    expect(markdown.split('\n')[0]).toBe('# Rehearsal FAILED');
    expect(markdown).toContain('(over the 90.0 s target)');
    expect(markdown).toContain('| Deploy v2 \\| under load | failed |');
    expect(markdown).toContain('## Failed expectations\n\n- deploy-v2: 2 of 120 requests failed: 503 ×2\n');
    expect(failuresOf(failed)).toEqual([
      'deploy-v2: 2 of 120 requests failed: 503 ×2',
      'deploy-v2: version never switched\nto v2',
    ]);
  });

  it('writes rehearsal.json (reads back as the report) and rehearsal.md', async () => {
    const written = report();
    const paths = await writeReport(join(dir, 'reports'), {
      json: renderJson(written),
      markdown: renderMarkdown(written),
    });
    expect(paths).toEqual({
      json: join(dir, 'reports', 'rehearsal.json'),
      markdown: join(dir, 'reports', 'rehearsal.md'),
    });
    expect(JSON.parse(readFileSync(paths.json, 'utf8'))).toEqual(written);
    expect(readFileSync(paths.markdown, 'utf8')).toBe(renderMarkdown(written));
  });
});
