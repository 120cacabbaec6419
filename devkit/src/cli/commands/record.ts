import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MatchMode } from '../../gemini/cassette.ts';
import { MATCH_MODES } from '../../gemini/cassette.ts';
import { PROJECT_CASSETTES } from '../../gemini/cassette-file.ts';
import { GEMINI_API, startRecorder } from '../../gemini/recorder.ts';
import { DEFAULT_PORTS } from '../default-ports.ts';
import { CliError, withErrors } from '../fail.ts';
import { portTakenLine } from '../../host/preflight.ts';
import { onShutdown } from '../shutdown.ts';

export function register(program: Command): void {
  program
    .command('record')
    .description(
      'record a Gemini cassette: a proxy on 127.0.0.1 that forwards to Gemini with GEMINI_API_KEY and writes every exchange, key scrubbed',
    )
    .argument('<cassette>', 'scenario name: the cassette is <cassettes>/<cassette>.json')
    .option('--cassettes <dir>', 'folder to write the cassette in', PROJECT_CASSETTES)
    .option('--port <port>', 'port of the recording proxy on 127.0.0.1', String(DEFAULT_PORTS.record))
    .option('--upstream <url>', 'the Gemini API to record from', process.env.GEMINI_UPSTREAM ?? GEMINI_API)
    .option('--match <mode>', `how replay matches request bodies: ${MATCH_MODES.join(', ')}`, 'normalized')
    .action(
      withErrors(
        async (
          name: string,
          options: { cassettes: string; port: string; upstream: string; match: string },
        ) => {
          // The key comes from the environment only: a flag would sit in shell history and `ps`.
          const apiKey = process.env.GEMINI_API_KEY;
          if (!apiKey)
            program.error(
              'set GEMINI_API_KEY to the key to record with (it is never written to the cassette)',
            );
          if (!(MATCH_MODES as readonly string[]).includes(options.match)) {
            program.error(`--match must be one of ${MATCH_MODES.join(', ')}`);
          }
          const port = Number(options.port);
          if (!Number.isInteger(port) || port < 0 || port > 65535)
            program.error(`--port must be a port number`);
          const cassetteFile = join(resolve(options.cassettes), `${name}.json`);
          const recorder = await startRecorder({
            upstream: options.upstream,
            cassetteFile,
            apiKey,
            match: options.match as MatchMode,
            port,
            log: (line) => console.log(line),
          }).catch(async (error: NodeJS.ErrnoException) => {
            throw new CliError(
              error.code === 'EADDRINUSE' ? await portTakenLine(port, '--port') : error.message,
            );
          });
          console.log(
            `recording ${cassetteFile}${existsSync(cassetteFile) ? ' (replaced at the first exchange)' : ''} from ${options.upstream}`,
          );
          console.log(
            `point the client at ${recorder.url} (e.g. GEMINI_BASE_URL=${recorder.url}); Ctrl-C to stop`,
          );
          onShutdown(async () => {
            await recorder.close();
            console.log(`${recorder.recorded} exchange(s) in ${cassetteFile}`);
          });
        },
      ),
    );
}
