/**
 * The pipeline's progress on the terminal: redrawn in place on an interactive terminal (listr2),
 * plain lines in CI, when piped, and with --verbose (the build's own output, line by line).
 */
import type { ProgressRenderer } from '../deploy/progress.ts';
import { plainProgress } from '../deploy/plain-progress.ts';
import { liveProgress } from './live-progress.ts';

export type RendererKind = 'live' | 'plain';

/** Live only where a person watches a terminal that can redraw: a TTY, not CI, not TERM=dumb. */
export function rendererFor(
  output: { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
  options: { verbose?: boolean } = {},
): RendererKind {
  const ci = env.CI !== undefined && !['', '0', 'false'].includes(env.CI.toLowerCase());
  return output.isTTY === true && !ci && env.TERM !== 'dumb' && !options.verbose ? 'live' : 'plain';
}

/** Call `close()` before printing anything else once the pipeline ends (or fails). */
export function terminalProgress(options: { verbose?: boolean } = {}): ProgressRenderer {
  if (rendererFor(process.stdout, process.env, options) === 'live') return liveProgress();
  return plainProgress({ write: (line) => console.log(line), verbose: options.verbose ?? false });
}
