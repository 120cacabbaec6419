import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

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
  // Synchronous writes: a line logged just before exit (drain, fatal config) is never lost.
  const out = options.destination ?? pino.destination({ dest: 1, sync: true });
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
