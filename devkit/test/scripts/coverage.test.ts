import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { coverageBlock, coverageOf, README, withBlock } from '../../scripts/coverage.ts';
import { allServices } from '../../src/cloud/services/index.ts';

describe('the README coverage table', () => {
  it('agrees with the gateway registry and the installed SDK models', () => {
    const readme = readFileSync(README, 'utf8');
    expect(
      withBlock(readme, coverageBlock(coverageOf(allServices))),
      'README.md is out of date: run node devkit/scripts/coverage.ts',
    ).toBe(readme);
  });

  it('counts every registered operation as one of the model operations', () => {
    for (const c of coverageOf(allServices)) {
      expect(c.served.length).toBeGreaterThan(0);
      expect(c.served.length).toBeLessThanOrEqual(c.modelled);
    }
  });
});
