/**
 * Bundles the service into dist/ (server.js) beside its health check (healthcheck.sh): the image then
 * ships these files and Node, and no node_modules at all.
 */
import { build } from 'esbuild';
import { copyFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/server.ts'],
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // Bundled CommonJS dependencies (express, pino) call require() for Node built-ins.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  // Not minified: stack traces in the logs stay readable without shipping source maps.
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
}).catch(() => {
  // esbuild has printed each error with its file and line; the rejection's stack trace would bury
  // them under 20 lines of esbuild internals (a failed image build shows the step's last lines).
  process.exit(1);
});
await copyFile(
  new URL('../src/healthcheck.sh', import.meta.url),
  new URL('../dist/healthcheck.sh', import.meta.url),
);
for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) {
  process.stdout.write(`${file}  ${(bytes / 1024).toFixed(0)} kB\n`);
}
