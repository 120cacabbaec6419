/**
 * Every scenario the cassettes promise, reached as `npm run up` reaches it: the API built from this
 * checkout and deployed as the dev stage into the local cloud (real Docker containers behind its load
 * balancer), calling the replay server's container built with the project's cassettes. One deployed
 * API, then one question per scenario, asked over HTTP through the load balancer.
 */
import { REFUSAL_TEXT } from '@iscoolgpt/service/gemini';
import Docker from 'dockerode';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ensureGeminiImage,
  removeGeminiContainer,
  startGeminiContainer,
} from '../../src/gemini/container.ts';
import type { AwsClients } from '../../src/deploy/clients.ts';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import { deploy } from '../../src/deploy/deploy.ts';
import { PROJECT_CASSETTES, readCassetteFile } from '../../src/gemini/cassette-file.ts';
import { loadStack } from '../../src/stack/load.ts';
import { REPO_ROOT } from '../cli/run-cli.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import type { TestCloud } from '../cloud/harness.ts';
import { credentials, freePort, REGION, startTestCloud } from '../cloud/harness.ts';
import { removeRegistryImages } from '../deploy/registry-images.ts';
import { chatInputOf } from './contract-support.ts';

interface Recorded {
  question: string;
  /** The text parts of the (last) recorded reply, in order. */
  parts: string[];
}

/** A cassette's question and the text its reply carries. */
async function recorded(name: string): Promise<Recorded> {
  const { definitions } = await readCassetteFile(join(PROJECT_CASSETTES, `${name}.json`));
  const last = definitions.at(-1)!;
  const chunks = (Array.isArray(last.response) ? last.response : [last.response]) as Array<{
    candidates?: Array<{ content?: { parts?: Array<{ text?: string }> } }>;
  }>;
  return {
    question: chatInputOf(last.body).question,
    parts: chunks
      .flatMap((chunk) => chunk.candidates?.[0]?.content?.parts ?? [])
      .flatMap((p) => p.text ?? []),
  };
}

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

interface StreamReply {
  status: number;
  contentType: string | null;
  events: Array<{ event: string; data: Record<string, unknown> }>;
}

// One deployed API; the scenarios are separate questions (the replay server keeps its place per request
// matched), asked side by side, so the retries' waits overlap.
describe.skipIf(!dockerAvailable)(
  'the Gemini scenarios through the API deployed in the local cloud',
  { concurrent: true },
  () => {
    const docker = new Docker();
    const container = `devkit-gemini-mock-scenarios-${process.pid}`;
    let cloud: TestCloud;
    let clients: AwsClients;
    let api: string;

    beforeAll(async () => {
      cloud = await startTestCloud({ runtime: { docker } });
      clients = createClients({ name: 'local', region: REGION, endpoint: cloud.cloud.url, credentials });
      const lbPort = await freePort();
      const stack = loadStack(join(REPO_ROOT, 'stack.yml'), {
        stage: 'dev',
        env: process.env,
        options: { 'lb-port': String(lbPort) },
      });
      const { image } = await ensureGeminiImage(docker);
      // As `gemini-mock`, like every other replay server on the engine: only this cloud joins it, so
      // the tasks deployed here reach this one (with its own replay state) and no other.
      await startGeminiContainer(docker, container, image, cloud.cloud.runtime!.cloudId);
      await deploy(
        clients,
        stack,
        { report: () => undefined },
        {
          docker,
          imageTag: 'gemini-scenarios',
          rollout: { timeoutMs: 300_000, pollMs: 500 },
          verify: { timeoutMs: 90_000, pollMs: 500, question: 'What is ECS?' },
        },
      );
      api = `http://127.0.0.1:${lbPort}`;
    }, 600_000);
    afterAll(async () => {
      await removeGeminiContainer(docker, container).catch(() => undefined);
      destroyClients(clients);
      await cloud.cloud.close({ cleanup: true }).catch(() => undefined);
      await removeRegistryImages(docker, cloud.cloud.port);
      await cloud.dispose();
    });

    async function ask(question: string, more: object = {}): Promise<Reply> {
      const response = await fetch(`${api}/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question, ...more }),
        signal: AbortSignal.timeout(60_000),
      });
      return {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as Record<string, unknown>,
      };
    }

    async function askStream(question: string): Promise<StreamReply> {
      const response = await fetch(`${api}/v1/chat/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question }),
        signal: AbortSignal.timeout(60_000),
      });
      const events = (await response.text())
        .split('\n\n')
        .filter((block) => block.trim() !== '')
        .map((block) => {
          const field = (name: string) =>
            block
              .split('\n')
              .find((line) => line.startsWith(`${name}: `))
              ?.slice(name.length + 2);
          return {
            event: field('event') ?? '',
            data: JSON.parse(field('data') ?? 'null') as Record<string, unknown>,
          };
        });
      return { status: response.status, contentType: response.headers.get('content-type'), events };
    }

    it.each(['short-answer', 'long-answer'])('%s: 200 with the recorded answer', async (name) => {
      const { question, parts } = await recorded(name);
      expect(await ask(question)).toMatchObject({
        status: 200,
        body: { answer: parts.join(''), finishReason: 'STOP', model: 'gemini-2.5-flash' },
      });
    });

    it('short-answer with a level and a subject (another system instruction): the same recording', async () => {
      const { question, parts } = await recorded('short-answer');
      const reply = await ask(question, { level: 'beginner', subject: 'biology' });
      expect(reply).toMatchObject({ status: 200, body: { answer: parts.join('') } });
    });

    it('streaming-answer: an SSE stream of the recorded deltas, then done', async () => {
      const { question, parts } = await recorded('streaming-answer');
      const reply = await askStream(question);
      expect(reply.status).toBe(200);
      expect(reply.contentType).toMatch(/^text\/event-stream/);
      expect(reply.events.slice(0, -1)).toEqual(parts.map((text) => ({ event: 'delta', data: { text } })));
      expect(reply.events.at(-1)).toMatchObject({ event: 'done', data: { finishReason: 'STOP' } });
      expect(reply.events.at(-1)!.data).not.toHaveProperty('refusal');
    });

    it.each([
      ['prompt-blocked', 'PROMPT_BLOCKED'],
      ['finish-safety', 'SAFETY'],
    ])('%s: 200 with the refusal text, finishReason %s', async (name, finishReason) => {
      const { question } = await recorded(name);
      expect(await ask(question)).toMatchObject({
        status: 200,
        body: { answer: REFUSAL_TEXT, finishReason },
      });
    });

    it('finish-recitation: the streamed deltas, then done with the refusal to show instead', async () => {
      const { question, parts } = await recorded('finish-recitation');
      const reply = await askStream(question);
      expect(reply.events.filter((e) => e.event === 'delta').map((e) => e.data.text)).toEqual(
        parts.filter(Boolean),
      );
      expect(reply.events.at(-1)).toEqual({
        event: 'done',
        data: expect.objectContaining({ finishReason: 'RECITATION', refusal: REFUSAL_TEXT }),
      });
    });

    it.each([
      ['bad-api-key', 502, 'upstream_rejected'],
      ['api-disabled', 502, 'upstream_rejected'],
      ['internal-error', 502, 'upstream_error'],
    ])('%s: %i %s', async (name, status, code) => {
      const { question } = await recorded(name);
      expect(await ask(question)).toMatchObject({ status, body: { error: { code } } });
    });

    it("rate-limited: after a retry at RetryInfo's delay, 503 with Retry-After from it", async () => {
      const reply = await ask((await recorded('rate-limited')).question);
      expect(reply).toMatchObject({ status: 503, body: { error: { code: 'upstream_overloaded' } } });
      expect(reply.headers.get('retry-after')).toBe('17');
    }, 60_000);

    it('unavailable: 503 with a Retry-After once the retries are spent', async () => {
      const reply = await ask((await recorded('unavailable')).question);
      expect(reply).toMatchObject({ status: 503, body: { error: { code: 'upstream_overloaded' } } });
      expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    });

    it('unavailable-then-answer: the retry after the 503 gets the recorded answer', async () => {
      const { question, parts } = await recorded('unavailable-then-answer');
      expect(await ask(question)).toMatchObject({
        status: 200,
        body: { answer: parts.join(''), finishReason: 'STOP' },
      });
    });

    it('a question no cassette holds: the stand-in answer, and the replay log names the closest cassette', async () => {
      const question = 'What is photosynthesis, in two sentences?';
      const reply = await ask(question);
      expect(reply).toMatchObject({ status: 200, body: { finishReason: 'STOP' } });
      expect(reply.body.answer).toContain(`You asked: "${question}"`);
      // The engine copies a container's output to its log on its own time: on a busy machine the
      // line can come after the answer.
      await vi.waitFor(
        async () => {
          const log = await docker.getContainer(container).logs({ stdout: true, stderr: true });
          expect(log.toString('utf8')).toContain(
            'no recording matches POST /v1beta/models/gemini-2.5-flash:generateContent; closest cassette: short-answer#0, ' +
              `which differs in body at contents[0].parts[0].text (recorded "What is photosynthesis, in one sentence?", got "${question}"); ` +
              'answering from the fallback template',
          );
        },
        { timeout: 15_000, interval: 250 },
      );
    });
  },
);
