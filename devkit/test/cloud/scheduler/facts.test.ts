/** The timing profiles: one named set (local or aws), and `custom` as soon as a timing differs from it. */
import { describe, expect, it } from 'vitest';
import {
  AWS_TIMINGS,
  LOCAL_TIMINGS,
  resolveTimings,
  timingsLine,
} from '../../../src/cloud/scheduler/facts.ts';

describe('resolveTimings', () => {
  it('is the local profile unless another is named', () => {
    expect(resolveTimings()).toEqual(LOCAL_TIMINGS);
    expect(resolveTimings({ profile: 'aws' })).toEqual(AWS_TIMINGS);
  });

  it("keeps AWS's own intervals in the aws profile and compresses them in the local one", () => {
    expect(AWS_TIMINGS).toMatchObject({
      noHealthCheckGraceSeconds: 40,
      deregistrationDelaySeconds: 300,
      metricsSamplingSeconds: 60,
      deploymentMinuteSeconds: 60,
    });
    expect(AWS_TIMINGS.healthCheckIntervalSeconds).toBeUndefined();
    expect(AWS_TIMINGS.targetHealthCheckIntervalSeconds).toBeUndefined();
    expect(LOCAL_TIMINGS.healthCheckIntervalSeconds).toBeLessThan(5);
    expect(LOCAL_TIMINGS.targetHealthCheckIntervalSeconds).toBeLessThan(5);
    expect(LOCAL_TIMINGS.deregistrationDelaySeconds).toBeLessThan(AWS_TIMINGS.deregistrationDelaySeconds);
    expect(LOCAL_TIMINGS.deploymentMinuteSeconds).toBeLessThan(AWS_TIMINGS.deploymentMinuteSeconds);
  });

  it('becomes custom when an override changes a value, and stays named when it does not', () => {
    expect(resolveTimings({ profile: 'aws', deregistrationDelaySeconds: 10 })).toEqual({
      ...AWS_TIMINGS,
      deregistrationDelaySeconds: 10,
      profile: 'custom',
    });
    expect(resolveTimings({ healthCheckIntervalSeconds: 5 }).profile).toBe('custom');
    expect(resolveTimings({ profile: 'local', deregistrationDelaySeconds: 5 }).profile).toBe('local');
    expect(resolveTimings({ profile: 'custom' }).profile).toBe('custom');
  });
});

describe('timingsLine', () => {
  it('names the profile and every timing', () => {
    expect(timingsLine(LOCAL_TIMINGS)).toBe(
      "timings: local (AWS's compressed for local runs): health-check interval 2 s, target health-check interval 0.5 s, " +
        'no-health-check grace 3 s, ' +
        'deregistration delay 5 s, stopped tasks kept 3600 s, metrics sampled every 5 s, ' +
        'a deployment bake minute 1 s',
    );
    expect(timingsLine(AWS_TIMINGS)).toMatch(
      /^timings: aws \(AWS's own\): health-check interval as defined, target health-check interval as defined, no-health-check grace 40 s, deregistration delay 300 s,/,
    );
  });
});
