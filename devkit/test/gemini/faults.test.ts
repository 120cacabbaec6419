import { describe, expect, it } from 'vitest';
import {
  drawFaults,
  FaultSpecError,
  formatFaults,
  parseFaults,
  sampleDelayMs,
} from '../../src/gemini/faults.ts';

describe('fault specs', () => {
  it('parses every fault kind', () => {
    expect(
      parseFaults(
        'latency=200ms, latency=uniform(50ms,150ms), latency=normal(1s, 20), 429, 429=30s, 500, 503',
      ).map((rule) => rule.fault),
    ).toEqual([
      { kind: 'latency', delay: { kind: 'fixed', ms: 200 } },
      { kind: 'latency', delay: { kind: 'uniform', minMs: 50, maxMs: 150 } },
      { kind: 'latency', delay: { kind: 'normal', meanMs: 1000, sdMs: 20 } },
      { kind: 'status', code: 429, retryDelay: '15s' },
      { kind: 'status', code: 429, retryDelay: '30s' },
      { kind: 'status', code: 500 },
      { kind: 'status', code: 503 },
    ]);
    expect(parseFaults('reset,cut-stream,malformed-chunk').map((rule) => rule.fault.kind)).toEqual([
      'reset',
      'cut-stream',
      'malformed-chunk',
    ]);
  });

  it('reads shares as fractions or percentages', () => {
    expect(parseFaults('503@0.25,500@10%,reset').map((rule) => rule.probability)).toEqual([0.25, 0.1, 1]);
  });

  it.each(['', 'teapot', '418', 'latency=fast', 'latency=uniform(150ms,50ms)', '503@2', '503@', '429=soon'])(
    'rejects %j with a message saying what is allowed',
    (spec) => {
      expect(() => parseFaults(spec)).toThrow(FaultSpecError);
    },
  );

  it('draws each rule by its share', () => {
    const rules = parseFaults('503@50%,latency=10ms');
    expect(drawFaults(rules, () => 0.49).map((fault) => fault.kind)).toEqual(['status', 'latency']);
    expect(drawFaults(rules, () => 0.5).map((fault) => fault.kind)).toEqual(['latency']);
  });

  it('samples latency distributions within their range', () => {
    const [uniform, normal] = parseFaults('latency=uniform(50,150),latency=normal(100,1000)').map((rule) =>
      rule.fault.kind === 'latency' ? rule.fault.delay : undefined,
    );
    expect(sampleDelayMs(uniform!, () => 0)).toBe(50);
    expect(sampleDelayMs(uniform!, () => 0.999)).toBeCloseTo(149.9);
    // A normal draw far below zero is clamped: a delay is never negative.
    const draws = [0.999999, 0.5]; // z = -5.3: 100ms - 5.3 × 1000ms
    expect(sampleDelayMs(normal!, () => draws.shift()!)).toBe(0);
  });

  it('formats rules back into the spec that parses into them', () => {
    const spec =
      'latency=200ms,latency=uniform(50ms,150ms)@0.5,latency=normal(3000ms,1000ms),429=30s@0.1,500,503,reset,cut-stream,malformed-chunk';
    expect(formatFaults(parseFaults(spec))).toBe(spec);
    expect(parseFaults(formatFaults(parseFaults('latency=1.5s@10%')))).toEqual(
      parseFaults('latency=1.5s@10%'),
    );
    expect(formatFaults([])).toBe('');
  });
});
