// Runs every devkit benchmark (bench/*.bench.ts, or the ones named on the command line) in turn.
// A benchmark module default-exports an async function that prints its own figures.
import { readdirSync } from 'node:fs';

const only = process.argv.slice(2);
const dir = new URL('./', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file.replace(/\.bench\.ts$/, '')} ===`);
  try {
    const bench = (await import(new URL(file, dir).href)) as { default: () => Promise<void> };
    await bench.default();
  } catch (error) {
    failed++;
    console.error(`benchmark ${file} failed:`, error);
  }
}
process.exitCode = failed ? 1 : 0;
