/**
 * Gemini cassettes in vitest tests, with nock.back-style modes:
 *
 *   replay    (default)          replay the cassette in-process (nock); a request that matches no
 *                                recording fails the test, naming the closest recording and what differed
 *   lockdown  (default, CI=true) replay, and no network at all except 127.0.0.1
 *   record                       replay cassettes that exist; record missing ones from real Gemini
 *   update                       re-record every cassette used
 *   wild                         no cassettes: straight to real Gemini
 *
 * The mode comes from DEVKIT_GEMINI_MODE; recording needs GEMINI_API_KEY (GEMINI_UPSTREAM overrides
 * the API's address). Point the client under test at the `baseUrl` that `insert` resolves.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import nock from 'nock';
import { afterEach } from 'vitest';
import type { Cassette } from './cassette.ts';
import { PROJECT_CASSETTES, readCassetteFile } from './cassette-file.ts';
import { noRecording } from './gemini-errors.ts';
import type { Recorder } from './recorder.ts';
import { GEMINI_API, startRecorder } from './recorder.ts';
import type { Pacing, PreparedReply } from './reply.ts';
import { eventDelays, jsonReply, prepareReply } from './reply.ts';
import type { MissReport, ReplayEntry } from './request-match.ts';
import { CassetteMatcher, cassetteEntries } from './request-match.ts';

export type CassetteMode = 'replay' | 'lockdown' | 'record' | 'update' | 'wild';
export const CASSETTE_MODES: readonly CassetteMode[] = ['replay', 'lockdown', 'record', 'update', 'wild'];

export interface GeminiCassetteOptions {
  /** Where named cassettes live; default the project's (devkit/cassettes). */
  dir?: string;
  mode?: CassetteMode;
  /** The origin replay intercepts (what the client is configured with); default Gemini's own. */
  baseUrl?: string;
  /** Record/update/wild: the real API; default GEMINI_UPSTREAM or Gemini's own address. */
  upstream?: string;
  /** Record/update: default GEMINI_API_KEY. */
  apiKey?: string;
  /** Spacing of streamed events; default as recorded. */
  pacing?: Pacing;
}

export function cassetteModeFromEnv(env: NodeJS.ProcessEnv = process.env): CassetteMode {
  const mode = env.DEVKIT_GEMINI_MODE;
  if (mode === undefined || mode === '') return env.CI === 'true' ? 'lockdown' : 'replay';
  if (!(CASSETTE_MODES as readonly string[]).includes(mode)) {
    throw new Error(`DEVKIT_GEMINI_MODE must be one of ${CASSETTE_MODES.join(', ')}, got '${mode}'`);
  }
  return mode as CassetteMode;
}

/** Creates the helper and ejects its cassette after each test, failing the test on unmatched requests. */
export function useGeminiCassettes(options: GeminiCassetteOptions = {}): GeminiCassettes {
  const cassettes = new GeminiCassettes(options);
  afterEach(() => cassettes.eject());
  return cassettes;
}

type PreparedEntry = ReplayEntry & { reply: PreparedReply };

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

export class GeminiCassettes {
  readonly mode: CassetteMode;
  private readonly options: GeminiCassetteOptions;
  private inserted:
    | { kind: 'replay'; name: string; interceptors: nock.Interceptor[]; misses: MissReport[] }
    | { kind: 'record'; name: string; recorder: Recorder }
    | undefined;

  constructor(options: GeminiCassetteOptions = {}) {
    this.options = options;
    this.mode = options.mode ?? cassetteModeFromEnv();
  }

  /**
   * Inserts a cassette by name (a file in the cassette folder) or as a value (always replayed).
   * Resolves the base URL the client under test must use.
   */
  async insert(cassette: string | Cassette): Promise<{ baseUrl: string }> {
    if (this.inserted) throw new Error(`cassette ${this.inserted.name} is still inserted: eject it first`);
    const upstream = this.options.upstream ?? process.env.GEMINI_UPSTREAM ?? GEMINI_API;
    if (this.mode === 'wild') return { baseUrl: upstream };
    if (typeof cassette !== 'string') return this.replay(cassette);
    const file = join(this.options.dir ?? PROJECT_CASSETTES, `${cassette}.json`);
    const record = this.mode === 'update' || (this.mode === 'record' && !existsSync(file));
    if (!record) {
      if (!existsSync(file)) {
        throw new Error(
          `no cassette ${file}: record it with DEVKIT_GEMINI_MODE=record GEMINI_API_KEY=<your key> (see devkit/cassettes/README.md)`,
        );
      }
      return this.replay(await readCassetteFile(file));
    }
    const apiKey = this.options.apiKey ?? process.env.GEMINI_API_KEY;
    if (!apiKey) throw new Error(`recording cassette ${cassette} needs GEMINI_API_KEY`);
    const recorder = await startRecorder({ upstream, cassetteFile: file, apiKey, log: () => undefined });
    this.inserted = { kind: 'record', name: cassette, recorder };
    return { baseUrl: recorder.url };
  }

  /**
   * Ends the cassette: stops interception (or finishes the recording). Throws when requests matched
   * no recording, with the closest recording and what differed, so the test fails.
   */
  async eject(): Promise<void> {
    const inserted = this.inserted;
    this.inserted = undefined;
    try {
      if (!inserted) return;
      if (inserted.kind === 'record') {
        await inserted.recorder.close();
        return;
      }
      inserted.interceptors.forEach((interceptor) => nock.removeInterceptor(interceptor));
      if (this.mode === 'lockdown') nock.enableNetConnect();
      if (inserted.misses.length) {
        throw new Error(
          `Gemini cassette ${inserted.name}: ${inserted.misses.length} request(s) matched no recording:\n` +
            inserted.misses.map((miss) => `  - ${miss.message}`).join('\n'),
        );
      }
    } finally {
      // Outside an inserted cassette nothing goes through nock (importing it intercepts every
      // node:http request in the process): the next test file in the same worker, or the local
      // cloud's own load balancer, must reach real sockets with their real failures.
      nock.restore();
    }
  }

  private replay(cassette: Cassette): { baseUrl: string } {
    const baseUrl = this.options.baseUrl ?? GEMINI_API;
    const matcher = new CassetteMatcher<PreparedEntry>(
      cassetteEntries([cassette]).map((entry) => ({ ...entry, reply: prepareReply(entry.definition) })),
    );
    const misses: MissReport[] = [];
    const pacing = this.options.pacing ?? { kind: 'recorded' };
    const scope = nock(new URL(baseUrl).origin).persist();
    const interceptors = ['GET', 'POST'].map((method) => {
      const interceptor = scope.intercept(() => true, method);
      interceptor.reply(async (request: Request) => {
        const url = new URL(request.url);
        const result = matcher.match({ method, url: url.pathname + url.search, body: await request.text() });
        if ('miss' in result) {
          misses.push(result.miss);
          return nockReply(jsonReply(404, noRecording(result.miss.message)), pacing);
        }
        return nockReply(result.entry.reply, pacing);
      });
      return interceptor;
    });
    if (!nock.isActive()) nock.activate();
    if (this.mode === 'lockdown') {
      nock.disableNetConnect();
      nock.enableNetConnect((host: string) => LOOPBACK.test(host));
    }
    this.inserted = { kind: 'replay', name: cassette.name, interceptors, misses };
    return { baseUrl };
  }
}

function nockReply(
  reply: PreparedReply,
  pacing: Pacing,
): [number, Buffer | Readable, Record<string, string>] {
  if (!reply.events) return [reply.status, reply.body ?? Buffer.alloc(0), reply.headers];
  const delays = eventDelays(reply, pacing);
  const events = reply.events;
  // Each event is its own chunk, after its delay, as the real stream delivers them.
  async function* paced() {
    for (const [i, event] of events.entries()) {
      if (delays[i]! > 0) await sleep(delays[i]);
      yield event;
    }
  }
  return [reply.status, Readable.from(paced()), reply.headers];
}
