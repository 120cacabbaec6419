/** The state store's pacing: a service that is costly to serialize is saved less often, never lost. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/cloud/state/store.ts';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'devkit-store-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const saved = async (service: string): Promise<unknown> =>
  JSON.parse(await readFile(join(dataDir, 'state', `${service}.json`), 'utf8').catch(() => '{}'));

describe('save pacing', () => {
  it('defers a service by its serialization cost while others are saved, and flush saves everything', async () => {
    // So small a share that any measurable serialization defers the next save past the test.
    const store = await StateStore.open(dataDir, { saveDelayMs: 5, maxSaveShare: 1e-12 });
    // Big enough that serializing it takes measurable time on any clock.
    const history = Array.from({ length: 10_000 }, (_, i) => `event ${i}`);
    const logs = store.slice('logs', 'us-east-1', () => ({ events: [...history] }));
    store.markDirty('logs');
    await expect.poll(() => saved('logs')).toEqual({ 'us-east-1': { events: history } });

    logs.events.push('second');
    store.markDirty('logs');
    // A service never saved before is due at once: once its file appears, a save has run since.
    store.slice<{ n: number }>('ecs', 'us-east-1', () => ({ n: 1 }));
    store.markDirty('ecs');
    await expect.poll(() => saved('ecs')).toEqual({ 'us-east-1': { n: 1 } });
    expect(await saved('logs')).toEqual({ 'us-east-1': { events: history } });

    await store.flush();
    expect(await saved('logs')).toEqual({ 'us-east-1': { events: [...history, 'second'] } });
    const reopened = await StateStore.open(dataDir);
    expect(reopened.slice('logs', 'us-east-1', () => ({}))).toEqual({ events: [...history, 'second'] });
  });

  it('saves every change promptly when serializing is cheap (the default share)', async () => {
    const store = await StateStore.open(dataDir, { saveDelayMs: 5 });
    const state = store.slice<{ n: number }>('ecs', 'us-east-1', () => ({ n: 0 }));
    for (let n = 1; n <= 3; n++) {
      state.n = n;
      store.markDirty('ecs');
      await expect.poll(() => saved('ecs')).toEqual({ 'us-east-1': { n } });
    }
    await store.flush();
  });
});
