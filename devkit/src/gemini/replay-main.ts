/**
 * The replay server's container entry point (Node built-ins only: the image has no node_modules).
 * Configured by environment, as a container is:
 *   GEMINI_MOCK_PORT (8080, as the stack file expects), GEMINI_MOCK_HOST (0.0.0.0), GEMINI_MOCK_CASSETTES (the bundled ones),
 *   GEMINI_MOCK_FALLBACK (true), GEMINI_MOCK_FAULT (none), GEMINI_MOCK_PACING (recorded).
 */
import { PROJECT_CASSETTES } from './cassette-file.ts';
import { describeReplay, startReplayFromSettings } from './replay-settings.ts';

const env = process.env;
const settings = {
  port: env.GEMINI_MOCK_PORT ?? '8080',
  host: env.GEMINI_MOCK_HOST ?? '0.0.0.0',
  cassettesDir: env.GEMINI_MOCK_CASSETTES ?? PROJECT_CASSETTES,
  fallback: (env.GEMINI_MOCK_FALLBACK ?? 'true') !== 'false',
  ...(env.GEMINI_MOCK_FAULT ? { fault: env.GEMINI_MOCK_FAULT } : {}),
  ...(env.GEMINI_MOCK_PACING ? { pacing: env.GEMINI_MOCK_PACING } : {}),
};
const log = (line: string) => console.log(line);

try {
  const { server, cassettes } = await startReplayFromSettings(settings, log);
  log(describeReplay(settings, server, cassettes));
  // As PID 1 in a container, Node gets no default signal handling: stop cleanly on SIGTERM.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void server.close().then(() => process.exit(0)));
  }
} catch (error) {
  console.error(`gemini-mock: ${(error as Error).message}`);
  process.exit(1);
}
