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
await import('../src/cli/main.ts');
