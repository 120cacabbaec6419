import express from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { errorHandler } from '../src/http/errors.ts';
import { requestContext } from '../src/http/request-context.ts';
import { createLogger } from '../src/logger.ts';

const KEY = 'AIzaSyExampleExampleExample0123456789';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    secrets: [KEY],
    destination: { write: (line) => void lines.push(line) },
  });
  return { logger, lines };
}

describe('logger', () => {
  it('writes JSON lines with a level label, ISO time, service and message', () => {
    const { logger, lines } = capture();
    logger.info({ event: 'listening', port: 8080 }, 'IsCoolGPT listening');
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      service: 'iscoolgpt',
      event: 'listening',
      port: 8080,
      msg: 'IsCoolGPT listening',
    });
  });

  it('scrubs the API key from messages, fields and stacks', () => {
    const { logger, lines } = capture();
    logger.warn(
      { headers: { 'x-goog-api-key': KEY }, detail: `Invalid API key: ${KEY}` },
      `calling with ${KEY}`,
    );
    logger.error({ err: new Error(`upstream said ${KEY}`) }, 'failed');
    const text = lines.join('');
    expect(text).not.toContain(KEY);
    expect(text.match(/\[REDACTED\]/g)).toHaveLength(5); // header, detail, msg, err.message, err.stack
    expect(lines.every((line) => JSON.parse(line) !== null)).toBe(true);
  });
});

describe('unexpected errors', () => {
  it('answer 500 internal_error without the stack, which goes to the log', async () => {
    const { logger, lines } = capture();
    const app = express();
    app.use(requestContext(logger));
    app.get('/explode', () => {
      throw new Error('kaboom');
    });
    app.use(errorHandler);
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/explode`);
      const body = await response.text();
      expect(response.status).toBe(500);
      expect(JSON.parse(body)).toEqual({
        error: { code: 'internal_error', message: 'Something went wrong on our side.' },
      });
      expect(body).not.toContain('kaboom');
      const logged = lines.map((line) => JSON.parse(line) as { msg: string; err?: { stack: string } });
      expect(logged.find((line) => line.msg === 'unhandled error')?.err?.stack).toContain('Error: kaboom');
    } finally {
      server.close();
    }
  });
});
