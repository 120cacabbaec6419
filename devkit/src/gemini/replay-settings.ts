/**
 * The replay server's settings as text, the way a command line or a container's environment gives
 * them, turned into a running server. Shared by `devkit gemini-mock` and the image's entry point.
 */
import type { Cassette } from './cassette.ts';
import { loadCassetteDir } from './cassette-file.ts';
import { parseFaults } from './faults.ts';
import { parsePacing } from './reply.ts';
import type { ReplayServer } from './replay-server.ts';
import { startReplayServer } from './replay-server.ts';

export interface ReplaySettings {
  port: string;
  host: string;
  cassettesDir: string;
  fallback: boolean;
  /** Fault spec applied to every request (see faults.ts). */
  fault?: string;
  /** recorded | none | <n>ms */
  pacing?: string;
}

export class SettingsError extends Error {}

export async function startReplayFromSettings(
  settings: ReplaySettings,
  log: (line: string) => void,
): Promise<{ server: ReplayServer; cassettes: Cassette[] }> {
  const port = Number(settings.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SettingsError(`port must be a port number, got '${settings.port}'`);
  }
  const faults = settings.fault ? parseFaults(settings.fault) : [];
  const pacing = parsePacing(settings.pacing ?? 'recorded');
  let cassettes: Cassette[] = [];
  try {
    cassettes = await loadCassetteDir(settings.cassettesDir);
  } catch (error) {
    // Fallback mode stands on its own; without it, a missing folder means nothing to serve.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !settings.fallback) throw error;
    log(
      `gemini-mock: no cassettes at ${settings.cassettesDir}; answering everything from the fallback template`,
    );
  }
  const server = await startReplayServer({
    cassettes,
    port,
    host: settings.host,
    fallback: settings.fallback,
    faults,
    pacing,
    log,
  });
  return { server, cassettes };
}

export function describeReplay(
  settings: ReplaySettings,
  server: ReplayServer,
  cassettes: Cassette[],
): string {
  const recordings = cassettes.reduce((sum, cassette) => sum + cassette.definitions.length, 0);
  return (
    `gemini-mock on ${server.url}: ${cassettes.length} cassettes (${recordings} recordings) from ${settings.cassettesDir}` +
    `${settings.fallback ? ', fallback on' : ''}${settings.fault ? `, faults: ${settings.fault}` : ''}`
  );
}
