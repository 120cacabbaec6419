#!/usr/bin/env node
// The CLI is TypeScript run by Node's own type stripping (Node >= 22.18, this package's `engines`):
// no build step. This file is plain JavaScript so an older Node gets one line, not a stack trace.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `devkit: needs Node.js >= 22.18 (found ${process.version}): install Node 24 LTS (https://nodejs.org/en/download),` +
      ' or run it as `npm run devkit -- <command>`, which fetches Node 24 into .toolchain/ on Linux x86_64',
  );
  process.exit(1);
}
// V8's code cache for every module loaded (the AWS SDK's many, the type-stripped sources): each
// command starts with about half the CPU on later runs. Off with NODE_DISABLE_COMPILE_CACHE=1.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
await import('../src/cli/main.ts');
