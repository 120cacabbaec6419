/** The line renderer every non-interactive output uses (CI, pipes, the rehearsal's log). */
import { describe, expect, it, vi } from 'vitest';
import { plainProgress } from '../../src/deploy/plain-progress.ts';
import type { PlannedChange } from '../../src/deploy/progress.ts';
import { runStep } from '../../src/deploy/progress.ts';
import { summarizePlan } from '../../src/deploy/provision.ts';
import { rendererFor } from '../../src/cli/progress-printer.ts';

const SECONDS = String.raw`\d+\.\d s`;

function capture(options: { verbose?: boolean; statusEveryMs?: number } = {}) {
  const lines: string[] = [];
  const progress = plainProgress({ write: (line) => lines.push(line), ...options });
  return { lines, progress };
}

const unchanged = (name: string): PlannedChange => ({
  type: 'IAM role',
  name,
  action: 'unchanged',
  details: [],
});

describe('plain progress lines', () => {
  it('a step with nothing to say is one line: 34 unchanged resources collapse into the summary', async () => {
    const { lines, progress } = capture();
    const changes = Array.from({ length: 34 }, (_, i) => unchanged(`role-${i}`));
    await runStep(
      progress,
      'provision',
      'provision demo (dev)',
      async (report) => {
        report.plan(changes);
        return changes;
      },
      summarizePlan,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^✔ provision: 34 resources unchanged \\(${SECONDS}\\)$`));
  });

  it('lists what changes and counts the rest in one line, under the step’s start line', async () => {
    const { lines, progress } = capture();
    const changes: PlannedChange[] = [
      { type: 'ECS cluster', name: 'demo-dev', action: 'create', details: [] },
      { type: 'security group', name: 'demo-dev-app', action: 'update', details: ['ingress tcp/8080'] },
      unchanged('a'),
      unchanged('b'),
    ];
    await runStep(
      progress,
      'provision',
      'provision demo (dev)',
      async (report) => report.plan(changes),
      () => summarizePlan(changes),
    );
    expect(lines[0]).toBe('▶ provision: provision demo (dev)');
    expect(lines.slice(1, 4)).toEqual([
      '  + create    ECS cluster     demo-dev',
      '  ~ update    security group  demo-dev-app  (ingress tcp/8080)',
      '  = 2 unchanged',
    ]);
    expect(lines[4]).toMatch(new RegExp(`^✔ provision: 1 create, 1 update, 2 unchanged \\(${SECONDS}\\)$`));
  });

  it('statuses are lines with the elapsed time; between two, the interval drops the ones in between', async () => {
    const { lines, progress } = capture({ statusEveryMs: 3_600_000 });
    await runStep(
      progress,
      'build',
      'build .',
      async (report) => {
        report.status('step 1/3: FROM node');
        report.status('step 2/3: RUN npm ci');
        report.log('added 120 packages');
      },
      () => 'sha256:abc',
    );
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('▶ build: build .');
    expect(lines[1]).toMatch(new RegExp(`^  ${SECONDS}  step 1/3: FROM node$`));
    expect(lines[2]).toMatch(/^✔ build: sha256:abc/);
  });

  it('the latest status is printed when its interval ends', async () => {
    const { lines, progress } = capture({ statusEveryMs: 20 });
    progress.report({ kind: 'start', step: 'push', title: 'push demo' });
    progress.report({ kind: 'status', step: 'push', text: 't1: 0/2 layers' });
    progress.report({ kind: 'status', step: 'push', text: 't1: 1/2 layers, 5 kB' });
    progress.report({ kind: 'status', step: 'push', text: 't1: 1/2 layers, 9 kB' });
    await vi.waitFor(() => expect(lines).toHaveLength(3), { timeout: 5_000 });
    expect(lines[2]).toMatch(new RegExp(`^  ${SECONDS}  t1: 1/2 layers, 9 kB$`));
    await progress.close();
  });

  it('the tools’ own output only with verbose; a failure ends the step with its first line', async () => {
    for (const verbose of [false, true]) {
      const { lines, progress } = capture({ verbose });
      await runStep(
        progress,
        'build',
        'build .',
        async (report) => {
          report.log('Step 1/1 : FROM scratch');
          throw new Error('image build failed\nmore');
        },
        () => '',
      ).catch(() => undefined);
      expect(lines.at(-1)).toMatch(new RegExp(`^✘ build: image build failed \\(${SECONDS}\\)$`));
      expect(lines.includes('  Step 1/1 : FROM scratch')).toBe(verbose);
    }
  });
});

describe('which renderer', () => {
  const tty = { isTTY: true };
  it('redraws in place only on a terminal outside CI, and not with --verbose', () => {
    expect(rendererFor(tty, { TERM: 'xterm-256color' })).toBe('live');
    expect(rendererFor(tty, { CI: 'false' })).toBe('live');
    expect(rendererFor({ isTTY: false }, {})).toBe('plain');
    expect(rendererFor({}, {})).toBe('plain');
    expect(rendererFor(tty, { CI: 'true' })).toBe('plain');
    expect(rendererFor(tty, { CI: '1' })).toBe('plain');
    expect(rendererFor(tty, { TERM: 'dumb' })).toBe('plain');
    expect(rendererFor(tty, {}, { verbose: true })).toBe('plain');
  });
});
