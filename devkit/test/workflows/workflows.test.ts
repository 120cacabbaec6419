// The GitHub Actions workflows, checked in `npm test` so a broken workflow (a merge conflict, a
// renamed step, a typo in an expression) fails here, not on the next push or deploy.
// Linter: GitHub's own workflow parser, @actions/workflow-parser, plus reference checks the parser
// does not make (steps/needs/inputs names, untrusted event data inlined in scripts). Why that
// parser and not actionlint, and what each checks: see the header of ./workflow-lint.ts.
// The deploy workflow's two scripts (branch → stage, Gemini key → Secrets Manager) are run here
// with bash against a stub `aws`, so their behaviour is tested too, not only their syntax.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadStack } from '../../src/stack/load.ts';
import { formatFindings, lintWorkflow, lintWorkflowDir } from './workflow-lint.ts';

const exec = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;
const workflowsDir = join(root, '.github/workflows');
const ciText = await readFile(join(workflowsDir, 'ci.yml'), 'utf8');
const deployText = await readFile(join(workflowsDir, 'deploy.yml'), 'utf8');

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  environment?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  steps: Step[];
}
interface Workflow {
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}
const ci = parse(ciText) as Workflow;
const deploy = parse(deployText) as Workflow;

function step(workflow: Workflow, job: string, match: (s: Step) => boolean): Step {
  const found = workflow.jobs[job]?.steps.find(match);
  if (!found) throw new Error(`no such step in job ${job}`);
  return found;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'devkit-workflows-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('the workflows in .github/workflows', () => {
  it('are ci.yml and deploy.yml, and lint clean', async () => {
    const { files, findings } = await lintWorkflowDir(workflowsDir);
    expect(files).toEqual(['ci.yml', 'deploy.yml']);
    expect(formatFindings(findings)).toBe('');
  });
});

describe('the linter catches a corrupted workflow', () => {
  // Each case corrupts a real workflow the way a bad merge or a typo would, writes it to a temp
  // directory and lints that directory like the test above lints the real one.
  const cases: Array<{
    name: string;
    file: 'ci.yml' | 'deploy.yml';
    from: string;
    to: string;
    finding: RegExp;
  }> = [
    {
      name: 'merge-conflict markers',
      file: 'ci.yml',
      from: '          node-version: 24\n',
      to: '<<<<<<< HEAD\n          node-version: 24\n=======\n          node-version: 22\n>>>>>>> feature\n',
      // Named as such, and the YAML no longer parses.
      finding: /merge-conflict marker '<<<<<<<'[\s\S]*Implicit keys need to be on a single line/,
    },
    {
      name: 'an unknown key',
      file: 'ci.yml',
      from: 'timeout-minutes: 45',
      to: 'timeout-minute: 45',
      finding: /Unexpected value 'timeout-minute'/,
    },
    {
      name: 'a malformed expression',
      file: 'ci.yml',
      from: '${{ github.ref }}',
      to: '${{ github.ref == }}',
      finding: /Unexpected end of expression/,
    },
    {
      name: 'a context that is not available there (secrets in a step if)',
      file: 'ci.yml',
      from: 'if: ${{ always() }}',
      to: "if: ${{ secrets.GEMINI_API_KEY != '' }}",
      finding: /Unrecognized named-value: 'secrets'/,
    },
    {
      name: 'a job needing a job that does not exist',
      file: 'deploy.yml',
      from: '    needs: stage\n',
      to: '    needs: [stage, build]\n',
      finding: /build/,
    },
    {
      name: 'a misspelt step id (would deploy an empty stage)',
      file: 'deploy.yml',
      from: 'steps.map.outputs.stage',
      to: 'steps.mpa.outputs.stage',
      finding: /no step with id 'mpa'/,
    },
    {
      name: 'a misspelt workflow input',
      file: 'deploy.yml',
      from: '${{ inputs.stage }}',
      to: '${{ inputs.stag }}',
      finding: /inputs\.stag is not a declared workflow input/,
    },
    {
      name: "a needs reference outside the job's needs",
      file: 'deploy.yml',
      from: 'STAGE: ${{ needs.stage.outputs.stage }}',
      to: 'STAGE: ${{ needs.plan.outputs.stage }}',
      finding: /needs\.plan is not in this job's needs/,
    },
    {
      name: 'untrusted event data inlined into a script',
      file: 'deploy.yml',
      from: '        run: npx devkit deploy --target aws --stage "$STAGE"',
      to: '        run: echo "${{ github.event.head_commit.message }}"',
      finding: /untrusted github\.event\.head_commit\.message inlined in run/,
    },
  ];

  it.each(cases)('$name', async ({ file, from, to, finding }) => {
    const original = file === 'ci.yml' ? ciText : deployText;
    expect(original).toContain(from);
    const dir = await mkdtemp(join(scratch, 'corrupt-'));
    await writeFile(join(dir, file), original.replace(from, to));
    const { findings } = await lintWorkflowDir(dir);
    expect(findings.length).toBeGreaterThan(0);
    expect(formatFindings(findings)).toMatch(finding);
  });

  it('reports where: file, line and column', async () => {
    const findings = await lintWorkflow('x.yml', ciText.replace('timeout-minutes: 45', 'timeout-minute: 45'));
    const line = ciText.split('\n').findIndex((l) => l.includes('timeout-minutes: 45')) + 1;
    expect(findings).toEqual([expect.objectContaining({ file: 'x.yml', line, column: 5 })]);
  });
});

describe('ci.yml', () => {
  it('runs install, lint, typecheck, tests and the rehearsal, in that order', () => {
    const runs = ci.jobs.ci?.steps.flatMap((s) => (s.run ? [s.run] : [])) ?? [];
    const order = ['npm run setup', 'npm run lint', 'npm run typecheck', 'npm test', 'npm run rehearse'];
    expect(runs.filter((r) => order.includes(r))).toEqual(order);
  });

  const upload = (name: string) =>
    step(ci, 'ci', (s) => (s.uses?.startsWith('actions/upload-artifact@') ?? false) && s.with?.name === name);

  it('uploads the rehearsal report even when a step failed', () => {
    const report = upload('rehearsal-report');
    expect(report.if).toBe('${{ always() }}');
    expect(String(report.with?.path).trim().split('\n')).toEqual([
      'reports/rehearsal.json',
      'reports/rehearsal.md',
    ]);
  });

  it("uploads the console test's screenshot even when the tests failed", () => {
    const screenshot = upload('console-screenshot');
    expect(screenshot.if).toBe('${{ always() }}');
    expect(screenshot.with?.path).toBe('devkit/test-artifacts/');
  });

  it('reads only, and cancels superseded runs of the same ref', () => {
    expect(ci.permissions).toEqual({ contents: 'read' });
    expect(ci.concurrency).toEqual({
      group: 'ci-${{ github.workflow }}-${{ github.ref }}',
      'cancel-in-progress': true,
    });
  });
});

describe('deploy.yml', () => {
  const deployJob = deploy.jobs.deploy as Job;

  it('gets AWS credentials only through OIDC: no access keys anywhere, id-token only on the deploy job', () => {
    for (const text of [ciText, deployText]) {
      expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/i);
    }
    expect(deploy.permissions).toEqual({});
    expect(deploy.jobs.stage?.permissions).toBeUndefined();
    expect(deployJob.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const credentials = step(
      deploy,
      'deploy',
      (s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@') ?? false,
    );
    expect(credentials.with?.['role-to-assume']).toBe('${{ vars.AWS_DEPLOY_ROLE_ARN }}');
  });

  it('deploys one stage at a time, in its environment, never cancelling a running rollout', () => {
    expect(deployJob.environment).toBe('${{ needs.stage.outputs.stage }}');
    expect(deployJob.concurrency).toEqual({
      group: 'deploy-${{ needs.stage.outputs.stage }}',
      'cancel-in-progress': false,
    });
    expect(step(deploy, 'deploy', (s) => s.name === 'Deploy').run).toBe(
      'npx devkit deploy --target aws --stage "$STAGE"',
    );
  });

  it.each(['dev', 'staging', 'prod'])(
    'puts the Gemini key under the secret name the stack file gives stage %s',
    (stage) => {
      const expression = (deployJob as Job & { env: Record<string, string> }).env.GEMINI_SECRET_NAME ?? '';
      // `vars.GEMINI_SECRET_NAME || format('<pattern>', needs.stage.outputs.stage)`: the default pattern.
      const pattern = /format\('([^']+)', needs\.stage\.outputs\.stage\)/.exec(expression)?.[1] ?? '';
      const { config } = loadStack(join(root, 'stack.yml'), { stage, env: {} });
      expect(pattern.replace('{0}', stage)).toBe(config.task.secrets.GEMINI_API_KEY);
    },
  );

  describe('branch → stage', () => {
    const script = step(deploy, 'stage', (s) => s.id === 'map').run ?? '';

    async function stageFor(env: { EVENT: string; BRANCH: string; INPUT_STAGE?: string }) {
      const dir = await mkdtemp(join(scratch, 'map-'));
      const output = join(dir, 'output');
      await writeFile(output, '');
      await exec('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
        env: {
          PATH: process.env.PATH,
          INPUT_STAGE: '',
          ...env,
          GITHUB_OUTPUT: output,
          GITHUB_STEP_SUMMARY: join(dir, 'summary'),
        },
      });
      return (await readFile(output, 'utf8')).trim();
    }

    it.each([
      { EVENT: 'push', BRANCH: 'main', stage: 'prod' },
      { EVENT: 'push', BRANCH: 'staging', stage: 'staging' },
      { EVENT: 'push', BRANCH: 'feature/chat-history', stage: 'dev' },
      { EVENT: 'push', BRANCH: 'main-backup', stage: 'dev' },
      { EVENT: 'workflow_dispatch', BRANCH: 'feature/x', INPUT_STAGE: 'staging', stage: 'staging' },
      { EVENT: 'workflow_dispatch', BRANCH: 'main', INPUT_STAGE: 'prod', stage: 'prod' },
    ])('$EVENT of $BRANCH → $stage', async ({ stage, ...env }) => {
      expect(await stageFor(env)).toBe(`stage=${stage}`);
    });

    it('refuses a stage that is not dev, staging or prod', async () => {
      await expect(
        stageFor({ EVENT: 'workflow_dispatch', BRANCH: 'main', INPUT_STAGE: 'qa' }),
      ).rejects.toMatchObject({
        stdout: expect.stringContaining("::error::unknown stage 'qa'"),
      });
    });

    it('cannot be injected through a branch name', async () => {
      // Were the name spliced into the script, `exit 7` would run and fail the step.
      expect(await stageFor({ EVENT: 'push', BRANCH: 'x$(exit 7)";exit 7;"' })).toBe('stage=dev');
    });
  });

  describe('Gemini key → Secrets Manager', () => {
    const script = step(deploy, 'deploy', (s) => s.name === 'Gemini key → Secrets Manager').run ?? '';
    const key = 'AIzaSy-test-key-0123456789-never-print-me';

    // A stub AWS CLI: logs its arguments, answers describe-secret as told by STUB_SECRET
    // (exists | missing | denied), and records the secret value it was given through file://.
    async function run(secret: 'exists' | 'missing' | 'denied', apiKey = key) {
      const dir = await mkdtemp(join(scratch, 'secret-'));
      await writeFile(
        join(dir, 'aws'),
        `#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$STUB_DIR/calls"
case "$2" in
  describe-secret)
    case "$STUB_SECRET" in
      exists) echo '{}' ;;
      missing) echo 'An error occurred (ResourceNotFoundException) when calling the DescribeSecret operation: not found' >&2; exit 254 ;;
      denied) echo 'An error occurred (AccessDeniedException) when calling the DescribeSecret operation: no' >&2; exit 254 ;;
    esac ;;
  put-secret-value|create-secret)
    while [ $# -gt 0 ]; do
      if [ "$1" = --secret-string ]; then cat "\${2#file://}" >"$STUB_DIR/value"; fi
      shift
    done
    echo '{}' ;;
esac
`,
      );
      await chmod(join(dir, 'aws'), 0o755);
      const runnerTemp = join(dir, 'runner-temp');
      await exec('mkdir', [runnerTemp]);
      const result = await exec('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
        env: {
          PATH: `${dir}:${process.env.PATH}`,
          STUB_DIR: dir,
          STUB_SECRET: secret,
          GEMINI_API_KEY: apiKey,
          GEMINI_SECRET_NAME: 'iscoolgpt/prod/gemini-api-key',
          STAGE: 'prod',
          RUNNER_TEMP: runnerTemp,
        },
      }).then(
        ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({
          code: error.code,
          output: error.stdout + error.stderr,
        }),
      );
      const read = (name: string) => readFile(join(dir, name), 'utf8').catch(() => '');
      return {
        ...result,
        calls: (await read('calls')).trim().split('\n').filter(Boolean),
        value: await read('value'),
        leftInRunnerTemp: await readdir(runnerTemp),
      };
    }

    it('creates the secret when it is missing, without the key on any command line or in the output', async () => {
      const r = await run('missing');
      expect(r.code).toBe(0);
      expect(r.calls.map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual([
        'secretsmanager describe-secret',
        'secretsmanager create-secret',
      ]);
      expect(r.value).toBe(key);
      expect(r.calls.join('\n')).not.toContain(key);
      expect(r.output).not.toContain(key);
      expect(r.output).toContain('Created iscoolgpt/prod/gemini-api-key');
      expect(r.leftInRunnerTemp).toEqual([]);
    });

    it('puts a new value when the secret exists', async () => {
      const r = await run('exists');
      expect(r.code).toBe(0);
      expect(r.calls[1]).toMatch(
        /^secretsmanager put-secret-value --secret-id iscoolgpt\/prod\/gemini-api-key /,
      );
      expect(r.value).toBe(key);
      expect(r.output).not.toContain(key);
      expect(r.leftInRunnerTemp).toEqual([]);
    });

    it('fails, creating nothing, when the secret cannot be read for another reason', async () => {
      const r = await run('denied');
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('AccessDeniedException');
      expect(r.calls).toHaveLength(1);
      expect(r.leftInRunnerTemp).toEqual([]);
    });

    it('fails with a clear error when the GitHub secret is not set', async () => {
      const r = await run('exists', '');
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('secret GEMINI_API_KEY is not set for environment prod');
      expect(r.calls).toEqual([]);
    });
  });
});
