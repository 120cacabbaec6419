// The recommendation as a table of cases (what each load step measured → the size, the task count and
// the limiting resource), the Fargate table it picks from, and a property: whatever the measurements,
// an answer is a valid Fargate pair that fits the needs and stays within what was measured.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FargateSize } from '../../src/rightsize/fargate-sizes.ts';
import { FARGATE_SIZES, isFargateSize, smallestSize } from '../../src/rightsize/fargate-sizes.ts';
import type { Budget, Goal, StepMeasure } from '../../src/rightsize/recommend.ts';
import { recommend, verdictOf } from '../../src/rightsize/recommend.ts';

const seed = { cpu: 1024, memory: 3072 };
const budget: Budget = { p95Ms: 8_000, errorRate: 0.01, headroom: 0.3 };
const goal = (concurrency: number, minTasks = 1, maxTasks = 10): Goal => ({
  concurrency,
  minTasks,
  maxTasks,
});

/** A step that held unless told otherwise: 3 s at p95, no errors. */
function step(
  concurrency: number,
  cpuPeak: number | undefined,
  memoryPeak: number | undefined,
  more: Partial<StepMeasure> = {},
): StepMeasure {
  return {
    concurrency,
    tasks: 1,
    requests: 100,
    errors: 0,
    throughput: concurrency / 3,
    latencyMs: { p50: 2_000, p90: 2_800, p95: 3_000, p99: 3_500, max: 4_000 },
    cpuPeak,
    memoryPeak,
    oomKills: 0,
    tasksFailed: 0,
    ...more,
  };
}
const slow = { latencyMs: { p50: 6_000, p90: 9_000, p95: 12_000, p99: 15_000, max: 16_000 } };

describe('Fargate sizes', () => {
  it('lists every valid pair once, cheapest first', () => {
    expect(FARGATE_SIZES).toHaveLength(3 + 4 + 7 + 13 + 23 + 12 + 12);
    expect(FARGATE_SIZES[0]).toEqual({ cpu: 256, memory: 512 });
    expect(new Set(FARGATE_SIZES.map((s) => `${s.cpu}/${s.memory}`)).size).toBe(FARGATE_SIZES.length);
  });

  it.each([
    [0, 0, { cpu: 256, memory: 512 }],
    [257, 0, { cpu: 512, memory: 1024 }],
    [0, 1500, { cpu: 256, memory: 2048 }],
    [0, 3000, { cpu: 512, memory: 3072 }],
    [600, 1000, { cpu: 1024, memory: 2048 }],
    [5000, 0, { cpu: 8192, memory: 16384 }],
    [16384, 122_880, { cpu: 16384, memory: 122_880 }],
  ])('cpu %d, memory %d → %o', (cpu, memory, expected) => {
    expect(smallestSize(cpu, memory)).toEqual(expected);
  });

  it('has nothing past the largest size', () => {
    expect(smallestSize(16385, 0)).toBeUndefined();
    expect(smallestSize(0, 122_881)).toBeUndefined();
  });
});

describe('recommend', () => {
  const cases: Array<{
    name: string;
    steps: StepMeasure[];
    goal: Goal;
    size: FargateSize;
    tasks: number;
    limiting: 'cpu' | 'memory';
    reason: RegExp;
  }> = [
    {
      name: 'CPU-bound, every step held: one task of the cheapest pair with the CPU (a tie with two smaller ones goes to fewer tasks)',
      steps: [step(4, 60, 150), step(8, 110, 170), step(16, 200, 200), step(32, 380, 260)],
      goal: goal(16),
      size: { cpu: 512, memory: 1024 },
      tasks: 1,
      limiting: 'cpu',
      reason: /CPU sets the size/,
    },
    {
      name: 'memory-bound: the smallest CPU with enough memory',
      steps: [step(4, 40, 700), step(8, 70, 900)],
      goal: goal(8),
      size: { cpu: 256, memory: 2048 },
      tasks: 1,
      limiting: 'memory',
      reason: /Memory sets the size/,
    },
    {
      name: 'latency breaks past 8 per task: 32 in flight take 4 tasks',
      steps: [step(4, 30, 150), step(8, 50, 160), step(16, 90, 170, slow)],
      goal: goal(32),
      size: { cpu: 256, memory: 512 },
      tasks: 4,
      // Both fit the smallest pair: the one that uses more of it is named.
      limiting: 'memory',
      reason: /p95 rose to 12000 ms/,
    },
    {
      name: 'OOM kills at a step count as breaking there',
      steps: [step(4, 30, 300), step(8, 40, 380), step(16, 60, 500, { oomKills: 1 })],
      goal: goal(8),
      size: { cpu: 256, memory: 1024 },
      tasks: 1,
      limiting: 'memory',
      reason: /OOM-killed/,
    },
    {
      name: 'a task failing its health checks at a step breaks it there',
      steps: [step(4, 30, 150), step(8, 60, 160, { tasksFailed: 1 })],
      goal: goal(8),
      size: { cpu: 256, memory: 512 },
      tasks: 2,
      limiting: 'memory',
      reason: /at 8 tasks failed and were replaced; bound by 1 task\(s\) failed health checks/,
    },
    {
      name: 'errors over budget (503s shed by the service) break a step',
      steps: [step(10, 30, 150), step(20, 40, 160, { errors: 30 })],
      goal: goal(20),
      size: { cpu: 256, memory: 512 },
      tasks: 2,
      limiting: 'memory',
      reason: /errors rose to 30 %/,
    },
    {
      name: 'a minimum task count spreads the load',
      steps: [step(4, 60, 150), step(8, 110, 170), step(16, 200, 200)],
      goal: goal(16, 2),
      size: { cpu: 256, memory: 512 },
      tasks: 2,
      limiting: 'cpu',
      reason: /2 task\(s\) of 0.25 vCPU/,
    },
    {
      name: 'steps with two tasks count per task',
      steps: [step(8, 60, 150, { tasks: 2 }), step(16, 110, 170, { tasks: 2 })],
      goal: goal(8),
      size: { cpu: 256, memory: 512 },
      tasks: 1,
      limiting: 'cpu',
      reason: /each task held 8 in flight|every step held, up to 8 in flight per task/,
    },
  ];

  it.each(cases)('$name', ({ steps, goal, size, tasks, limiting, reason }) => {
    const outcome = recommend(steps, seed, budget, goal);
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.recommendation.size).toEqual(size);
    expect(outcome.recommendation.tasks).toBe(tasks);
    expect(outcome.recommendation.limitingResource).toBe(limiting);
    expect(outcome.recommendation.reasons.join(' ')).toMatch(reason);
  });

  it.each([
    ['no step at all', [], goal(4), /no step was measured/],
    ['the lightest step already too slow', [step(4, 30, 150, slow)], goal(4), /even the lightest step/],
    ['no metrics came', [step(4, undefined, undefined)], goal(4), /no CPU or memory metric/],
    ['more tasks than allowed', [step(4, 30, 150), step(8, 30, 150, slow)], goal(100, 1, 10), /25 tasks/],
    ['needs above the largest size', [step(4, 20_000, 150)], goal(4), /no Fargate size holds/],
  ])('refuses: %s', (_name, steps, goal, reason) => {
    const outcome = recommend(steps, seed, budget, goal);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.reason).toMatch(reason);
  });

  it('counts the idle baseline on top of the CPU peak: a size the peak alone fits can be too small', () => {
    // 150 units at 8 in flight fit 0.25 vCPU with 30 % headroom (214 ≤ 256); with 45 units at rest
    // (Node and a Node health check every 5 s) they need 279: 0.5 vCPU.
    const steps = [step(4, 90, 150), step(8, 150, 170)];
    const without = recommend(steps, seed, budget, goal(8));
    const withFloor = recommend(steps, seed, budget, goal(8), { cpu: 45, memory: 60 });
    if (!without.ok || !withFloor.ok) throw new Error('no recommendation');
    expect(without.recommendation.size).toEqual({ cpu: 256, memory: 512 });
    expect(withFloor.recommendation.size).toEqual({ cpu: 512, memory: 1024 });
    expect(withFloor.recommendation.needCpu).toBeCloseTo(195 / 0.7, 5);
    expect(withFloor.recommendation.baseline).toEqual({ cpu: 45, memory: 60 });
    expect(withFloor.recommendation.reasons.join(' ')).toMatch(
      /150 units peak \+ 45 idle baseline → 278\.6 with headroom.*Floor: at rest a task used 45 CPU units and 60 MiB/,
    );
    expect(without.recommendation.reasons.join(' ')).toMatch(/No idle baseline was measured/);
  });

  it('takes memory as the larger of the baseline and the peak, not their sum', () => {
    const outcome = recommend([step(4, 30, 100)], seed, budget, goal(4), { cpu: 5, memory: 400 });
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.recommendation.needMemory).toBeCloseTo(400 / 0.7, 5);
    expect(outcome.recommendation.size).toEqual({ cpu: 256, memory: 1024 });
  });

  it('flags a measured size that was CPU-saturated while holding', () => {
    const outcome = recommend([step(4, 950, 200)], seed, budget, goal(4));
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.recommendation.size.cpu).toBeGreaterThan(1024);
    expect(outcome.recommendation.reasons.join(' ')).toMatch(/measure again on a larger size/);
  });

  it('names why a step failed', () => {
    expect(verdictOf(step(4, 1, 1, { oomKills: 2 }), budget)).toBe('oom');
    expect(verdictOf(step(4, 1, 1, { tasksFailed: 1 }), budget)).toBe('tasks-failed');
    expect(verdictOf(step(4, 1, 1, { errors: 2 }), budget)).toBe('errors');
    expect(verdictOf(step(4, 1, 1, slow), budget)).toBe('latency');
    expect(verdictOf(step(4, 1, 1, { requests: 0 }), budget)).toBe('no-data');
    expect(verdictOf(step(4, 1, 1), budget)).toBe('held');
  });

  it('answers, whatever was measured, with a valid pair that fits the needs, within what was measured', () => {
    const arbitraryStep = fc.record({
      concurrency: fc.integer({ min: 1, max: 256 }),
      tasks: fc.integer({ min: 1, max: 4 }),
      requests: fc.integer({ min: 0, max: 500 }),
      errors: fc.integer({ min: 0, max: 20 }),
      throughput: fc.double({ min: 0, max: 100, noNaN: true }),
      latencyMs: fc.option(
        fc.integer({ min: 1, max: 20_000 }).map((p) => ({ p50: p / 2, p90: p, p95: p, p99: p, max: p })),
        { nil: undefined },
      ),
      cpuPeak: fc.option(fc.double({ min: 0, max: 20_000, noNaN: true }), { nil: undefined }),
      memoryPeak: fc.option(fc.double({ min: 0, max: 130_000, noNaN: true }), { nil: undefined }),
      oomKills: fc.integer({ min: 0, max: 1 }),
      tasksFailed: fc.integer({ min: 0, max: 1 }),
    });
    fc.assert(
      fc.property(
        fc.array(arbitraryStep, { maxLength: 8 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 3 }),
        fc.option(
          fc.record({
            cpu: fc.double({ min: 0, max: 2_000, noNaN: true }),
            memory: fc.double({ min: 0, max: 4_000, noNaN: true }),
          }),
          { nil: undefined },
        ),
        (steps, concurrency, minTasks, baseline) => {
          const outcome = recommend(steps, seed, budget, { concurrency, minTasks, maxTasks: 20 }, baseline);
          if (!outcome.ok) return;
          const r = outcome.recommendation;
          expect(isFargateSize(r.size)).toBe(true);
          expect(r.needCpu).toBeLessThanOrEqual(r.size.cpu);
          expect(r.needMemory).toBeLessThanOrEqual(r.size.memory);
          // Never a size where baseline + peak + headroom exceed the limit.
          if (baseline) {
            expect(r.size.cpu * (1 - budget.headroom)).toBeGreaterThanOrEqual(baseline.cpu * 0.999999);
            expect(r.size.memory * (1 - budget.headroom)).toBeGreaterThanOrEqual(baseline.memory * 0.999999);
          }
          expect(r.tasks).toBeGreaterThanOrEqual(minTasks);
          expect(r.tasks).toBeLessThanOrEqual(20);
          const heldPerTask = Math.max(...steps.map((s) => s.concurrency / s.tasks));
          expect(r.perTaskConcurrency).toBeLessThanOrEqual(heldPerTask);
        },
      ),
      { seed: 14, numRuns: 300 },
    );
  });
});
