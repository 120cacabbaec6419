import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const KEY = 'AIzaSy-test-key-000';

function problem(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ GEMINI_API_KEY: KEY, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has defaults for everything but the key', () => {
    expect(loadConfig({ GEMINI_API_KEY: KEY })).toEqual({
      port: 8080,
      gemini: {
        apiKey: KEY,
        model: 'gemini-2.5-flash',
        baseUrl: undefined,
        timeoutMs: 30_000,
        maxRetries: 2,
      },
      maxConcurrentUpstream: 64,
      maxQueue: 256,
      shutdownGraceMs: 25_000,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      GEMINI_API_KEY: KEY,
      PORT: '9000',
      GEMINI_MODEL: 'gemini-2.5-pro',
      GEMINI_BASE_URL: 'http://gemini-mock:8080',
      GEMINI_TIMEOUT_MS: '5000',
      GEMINI_MAX_RETRIES: '0',
      MAX_CONCURRENT_UPSTREAM: '10',
      MAX_QUEUE: '0',
      SHUTDOWN_GRACE_MS: '1000',
      LOG_LEVEL: 'warn',
    });
    expect(config).toEqual({
      port: 9000,
      gemini: {
        apiKey: KEY,
        model: 'gemini-2.5-pro',
        baseUrl: 'http://gemini-mock:8080',
        timeoutMs: 5000,
        maxRetries: 0,
      },
      maxConcurrentUpstream: 10,
      maxQueue: 0,
      shutdownGraceMs: 1000,
      logLevel: 'warn',
    });
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ GEMINI_API_KEY: KEY, PORT: '', GEMINI_BASE_URL: ' ' })).toMatchObject({
      port: 8080,
      gemini: { baseUrl: undefined },
    });
  });

  it.each([
    [{ GEMINI_API_KEY: '' }, 'GEMINI_API_KEY', 'GEMINI_API_KEY is required'],
    [{ GEMINI_API_KEY: 'two words' }, 'GEMINI_API_KEY', 'GEMINI_API_KEY must not contain whitespace'],
    [{ PORT: '80a' }, 'PORT', 'PORT must be an integer from 1 to 65535 (got "80a")'],
    [{ PORT: '70000' }, 'PORT', 'PORT must be an integer from 1 to 65535 (got "70000")'],
    [{ GEMINI_MODEL: 'models/x y' }, 'GEMINI_MODEL', 'GEMINI_MODEL must be a model name'],
    [{ GEMINI_BASE_URL: 'gemini-mock:8080' }, 'GEMINI_BASE_URL', 'GEMINI_BASE_URL must be an http(s) URL'],
    [{ GEMINI_TIMEOUT_MS: '1.5' }, 'GEMINI_TIMEOUT_MS', 'GEMINI_TIMEOUT_MS must be an integer from 100'],
    [
      { GEMINI_MAX_RETRIES: '-1' },
      'GEMINI_MAX_RETRIES',
      'GEMINI_MAX_RETRIES must be an integer from 0 to 10',
    ],
    [
      { MAX_CONCURRENT_UPSTREAM: '0' },
      'MAX_CONCURRENT_UPSTREAM',
      'MAX_CONCURRENT_UPSTREAM must be an integer from 1',
    ],
    [{ MAX_QUEUE: 'lots' }, 'MAX_QUEUE', 'MAX_QUEUE must be an integer from 0'],
    [{ SHUTDOWN_GRACE_MS: '1e3' }, 'SHUTDOWN_GRACE_MS', 'SHUTDOWN_GRACE_MS must be an integer from 0'],
    [
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    ],
  ])('rejects %j naming %s', (env, variable, message) => {
    const error = problem(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(message)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('never echoes the key in its messages', () => {
    expect(problem({ GEMINI_API_KEY: 'secret value' }).message).not.toContain('secret');
  });
});
