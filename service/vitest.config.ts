import { defineConfig } from 'vitest/config';
import { maxWorkers } from '../vitest.workers.ts';

export default defineConfig({
  test: {
    name: 'service',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Tests drive real processes, ports and a Docker engine: generous limits, no timing assertions.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    maxWorkers,
  },
});
