import { availableParallelism } from 'node:os';

/**
 * Test files run side by side, two more than the cores: most test time waits on containers, health
 * checks and child processes, not on CPU. On this 2-core machine, with 3 files at once the machine's
 * CPU sat idle 16 % of a full run (464 s) — moments when every file waited; with 4, 1 % (454 s).
 * (vitest's default, cores − 1, runs one file at a time on 2 cores.) Every project must set the same
 * number (vitest refuses projects that differ), and a project's own config is where vitest reads
 * it: the root config's does not reach the projects. `--maxWorkers` overrides it.
 */
export const maxWorkers = availableParallelism() + 2;
