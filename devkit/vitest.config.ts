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
    // A worker runs file after file in one process, keeping what they all import (the AWS SDK
    // clients, the cloud, the forked AWS CLI) instead of a fresh process per file: each import was
    // ~11 % of the suite's time, and the suite is bound by the machine's 2 cores. Each test file is
    // still evaluated afresh; what it changes globally it must restore: stubbed environment variables
    // (vi.unstubAllEnvs), nock's interception (restored on eject), and spies (restoreMocks below).
    isolate: false,
    restoreMocks: true,
  },
});
