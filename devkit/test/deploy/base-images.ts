/**
 * The offline base images the service image builds on: the environment's (scripts/run.sh exports
 * .toolchain/base-images.env), else that file itself (a bare `npx vitest run`). Without either, the
 * stack file falls back to node:24-slim, which needs a registry.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BASE_IMAGES_ENV = fileURLToPath(new URL('../../../.toolchain/base-images.env', import.meta.url));
const NAMES = ['ISCOOLGPT_BUILD_IMAGE', 'ISCOOLGPT_RUNTIME_IMAGE'] as const;

export function baseImageEnv(): Record<string, string> {
  const fromFile = existsSync(BASE_IMAGES_ENV)
    ? Object.fromEntries(
        readFileSync(BASE_IMAGES_ENV, 'utf8')
          .split('\n')
          .map((line) => line.split('=', 2))
          .filter((pair): pair is [string, string] => pair.length === 2),
      )
    : {};
  const env: Record<string, string> = {};
  for (const name of NAMES) {
    const value = process.env[name] || fromFile[name];
    if (value) env[name] = value.trim();
  }
  return env;
}
