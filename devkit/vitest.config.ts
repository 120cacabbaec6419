import { defineConfig } from 'vitest/config';
import { maxWorkers } from '../vitest.workers.ts';

export default defineConfig({
  test: {
    name: 'devkit',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Tests drive real processes, ports and a Docker engine, several files at once: generous limits,
    // no timing assertions.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    maxWorkers,
  },
});
