import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/** Log bytes waiting for stdout at most (a few seconds of a busy server's lines). */
const MAX_BUFFERED = 16 * 1024 * 1024;

/** Where log lines go: stdout in production, a capture in tests. */
export interface LogDestination {
  write(line: string): void;
}

/**
 * JSON lines to stdout: `level` as a label, ISO `time`, `msg`. Every line passes through a scrubber
 * that replaces each secret (the Gemini API key) wherever it appears — in an upstream error message,
 * a stack, a header — so no code path can log it, not only the ones we thought of.
 */
export function createLogger(options: {
  level: LogLevel;
  secrets: string[];
  destination?: LogDestination;
}): Logger {
  // Asynchronous writes: the event loop never waits on stdout (a pipe the container runtime may be
  // slow to empty, a busy disk), and lines logged while a write is under way leave in the next one,
  // so a busy server makes one write(2) per batch rather than per line. The destination writes
  // what is left synchronously on exit, so a line logged just before exit (drain, fatal) is kept.
  // Beyond MAX_BUFFERED, lines are dropped rather than held: a stdout nobody reads must not grow the
  // process until it is killed.
  const out = options.destination ?? pino.destination({ dest: 1, sync: false, maxLength: MAX_BUFFERED });
  const secrets = options.secrets.filter((secret) => secret.length > 0);
  const scrubbing: LogDestination = {
    write(line) {
      let clean = line;
      for (const secret of secrets) {
        if (clean.includes(secret)) clean = clean.replaceAll(secret, '[REDACTED]');
      }
      out.write(clean);
    },
  };
  return pino(
    {
      level: options.level,
      base: { service: 'iscoolgpt' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    scrubbing,
  );
}
