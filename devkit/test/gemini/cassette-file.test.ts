import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CassetteDefinition } from '../../src/gemini/cassette.ts';
import { serializeCassette } from '../../src/gemini/cassette.ts';
import { loadCassetteDir, writeCassetteFile } from '../../src/gemini/cassette-file.ts';
import { SecretLeakError } from '../../src/gemini/scrub.ts';

const KEY = 'AIzaSyD-a-real-looking-key-0123456789';
const definition = (text: string): CassetteDefinition => ({
  scope: 'https://generativelanguage.googleapis.com:443',
  method: 'POST',
  path: '/v1beta/models/gemini-2.5-flash:generateContent',
  status: 200,
  response: { candidates: [{ content: { parts: [{ text }] } }] },
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devkit-cassettes-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('writing cassettes', () => {
  it('refuses a cassette that still contains the key, raw or URL-encoded, and keeps the previous one', async () => {
    const file = join(dir, 'c.json');
    await writeCassetteFile(file, [definition('previous')], [KEY]);
    await expect(writeCassetteFile(file, [definition(`leaked ${KEY}`)], [KEY])).rejects.toThrow(
      SecretLeakError,
    );
    const weird = 'key/with+chars=000000';
    await expect(
      writeCassetteFile(file, [{ ...definition('x'), path: `/p?k=${encodeURIComponent(weird)}` }], [weird]),
    ).rejects.toThrow('still contains the API key; refusing to write it');
    expect(await readFile(file, 'utf8')).toBe(serializeCassette([definition('previous')]));
    expect(await readdir(dir)).toEqual(['c.json']);
  });

  it('never shows a torn cassette, even to a reader racing the writer or after the writer is killed', async () => {
    const file = join(dir, 'race.json');
    // Big enough that writing takes a while, so reads and the kill land mid-write.
    const versions = ['A', 'B'].map((tag) => [definition(tag.repeat(2_000_000))]);
    const texts = versions.map(serializeCassette);
    await writeFile(join(dir, 'versions.json'), JSON.stringify(versions));
    await writeCassetteFile(file, versions[0]!, []);
    const writerModule = new URL('../../src/gemini/cassette-file.ts', import.meta.url).href;
    const writer = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { readFileSync } from 'node:fs';
         import { writeCassetteFile } from ${JSON.stringify(writerModule)};
         const versions = JSON.parse(readFileSync(${JSON.stringify(join(dir, 'versions.json'))}, 'utf8'));
         for (let i = 1; ; i++) await writeCassetteFile(${JSON.stringify(file)}, versions[i % 2], []);`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    writer.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const seen = new Set<number>();
      for (let read = 0; read < 150 || seen.size < 2; read++) {
        const text = await readFile(file, 'utf8');
        const which = texts.indexOf(text);
        expect(which, `read ${read} was neither version (${text.length} chars)`).not.toBe(-1);
        seen.add(which);
        if (read > 5_000) throw new Error(`the writer never replaced the cassette: ${stderr}`);
      }
    } finally {
      writer.kill('SIGKILL');
      await new Promise((resolve) => writer.once('exit', resolve));
    }
    expect(texts).toContain(await readFile(file, 'utf8'));
    // A killed writer may leave its temp file behind; loading ignores it.
    await rm(join(dir, 'versions.json'));
    const loaded = await loadCassetteDir(dir);
    expect(loaded.map((cassette) => cassette.name)).toEqual(['race']);
  });

  it('loads only *.json files, sorted by name', async () => {
    for (const name of ['b', 'a']) await writeCassetteFile(join(dir, `${name}.json`), [definition(name)], []);
    await writeFile(join(dir, 'README.md'), '# notes');
    await writeFile(join(dir, '.b.json.123.abcd.tmp'), '[');
    expect((await loadCassetteDir(dir)).map((cassette) => cassette.name)).toEqual(['a', 'b']);
  });
});
