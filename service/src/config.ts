/** The service's configuration, read once from the environment at start. */
export interface Config {
  port: number;
  gemini: {
    apiKey: string;
    model: string;
    /** Undefined: Google's endpoint. */
    baseUrl: string | undefined;
    timeoutMs: number;
    maxRetries: number;
  };
  maxConcurrentUpstream: number;
  maxQueue: number;
  shutdownGraceMs: number;
  logLevel: LogLevel;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A missing or bad variable; the message is one line that names it (and never echoes the key). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.variable = variable;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  // An empty variable counts as unset: `FOO=` in a task definition means "no value".
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new ConfigError(name, `must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    }
    return value;
  };

  const apiKey = read('GEMINI_API_KEY');
  if (apiKey === undefined) throw new ConfigError('GEMINI_API_KEY', 'is required');
  if (/\s/.test(apiKey)) throw new ConfigError('GEMINI_API_KEY', 'must not contain whitespace');

  const model = read('GEMINI_MODEL') ?? 'gemini-2.5-flash';
  if (!/^[\w.-]+$/.test(model)) {
    throw new ConfigError(
      'GEMINI_MODEL',
      `must be a model name like gemini-2.5-flash (got ${JSON.stringify(model)})`,
    );
  }

  const baseUrl = read('GEMINI_BASE_URL');
  if (baseUrl !== undefined && !isHttpUrl(baseUrl)) {
    throw new ConfigError('GEMINI_BASE_URL', `must be an http(s) URL (got ${JSON.stringify(baseUrl)})`);
  }

  const logLevel = read('LOG_LEVEL') ?? 'info';
  if (!isLogLevel(logLevel)) {
    throw new ConfigError(
      'LOG_LEVEL',
      `must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(logLevel)})`,
    );
  }

  return {
    port: integer('PORT', 8080, 1, 65535),
    gemini: {
      apiKey,
      model,
      baseUrl,
      timeoutMs: integer('GEMINI_TIMEOUT_MS', 30_000, 100, 600_000),
      maxRetries: integer('GEMINI_MAX_RETRIES', 2, 0, 10),
    },
    maxConcurrentUpstream: integer('MAX_CONCURRENT_UPSTREAM', 64, 1, 100_000),
    maxQueue: integer('MAX_QUEUE', 256, 0, 100_000),
    // ECS waits stopTimeout (30 s by default) between SIGTERM and SIGKILL: drain well inside it.
    shutdownGraceMs: integer('SHUTDOWN_GRACE_MS', 25_000, 0, 600_000),
    logLevel,
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
