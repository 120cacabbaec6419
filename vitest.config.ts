import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// One runner for the whole repository: each workspace is a vitest project with its own config.
export default defineConfig({
  test: {
    projects: ['service', 'devkit'],
    // Most test time is spent waiting on containers, health checks and child processes, not on
    // this process's CPU: one file per core plus one keeps the cores busy (vitest's default of
    // cores − 1 runs a single file at a time on a 2-core machine). `--maxWorkers` overrides it.
    maxWorkers: availableParallelism() + 1,
  },
});
