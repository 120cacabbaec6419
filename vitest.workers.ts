import { availableParallelism } from 'node:os';

/**
 * Test files run side by side, one per core plus one: most test time waits on containers, health
 * checks and child processes, not on CPU (vitest's default, cores − 1, runs one file at a time on a
 * 2-core machine). Every project must set the same number (vitest refuses projects that differ), and
 * a project's own config is where vitest reads it: the root config's does not reach the projects.
 * `--maxWorkers` overrides it.
 */
export const maxWorkers = availableParallelism() + 1;
