/**
 * The state store on a real disk: journaled commits survive without a snapshot, a torn record is cut
 * off once, stale temp files go, older records never overwrite newer state, CloudWatch Logs journals
 * appends rather than whole streams, concurrent commits share fsyncs, and every file is owner-only.
 */
import { appendFile, copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendEvents, initialLogsState, type LogsState } from '../../../src/cloud/services/logs/index.ts';
import { logsJournal } from '../../../src/cloud/services/logs/journal.ts';
import { StateFileError, StateStore } from '../../../src/cloud/state/store.ts';

let dataDir: string;
const opened: StateStore[] = [];
/** A store on the test's data directory; closed after the test, as a crash would leave its journal. */
async function openStore(options?: Parameters<typeof StateStore.open>[1]): Promise<StateStore> {
  const store = await StateStore.open(dataDir, options);
  opened.push(store);
  return store;
}
const stateDir = () => join(dataDir, 'state');
const journalFiles = async () => (await readdir(stateDir())).filter((f) => f.startsWith('journal-')).sort();
const mode = async (path: string) => (await stat(path)).mode & 0o777;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'devkit-store-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(opened.splice(0).map((store) => store.close()));
  await rm(dataDir, { recursive: true, force: true });
});

interface Counter {
  n: number;
}

describe('journal', () => {
  it('has a committed change on disk before any snapshot, and recovers it', async () => {
    const store = await openStore();
    const state = store.slice<Counter>('ecs', 'us-east-1', () => ({ n: 0 }));
    state.n = 7;
    await store.commit('ecs', 'us-east-1');
    expect(await readdir(stateDir())).not.toContain('ecs.json');

    const recovered = await openStore();
    expect(recovered.slice<Counter>('ecs', 'us-east-1', () => ({ n: -1 })).n).toBe(7);
  });

  it('journals what a region starts with, so its generated ids read the same after a restart', async () => {
    const store = await openStore();
    const id = store.slice('ec2', 'eu-west-1', () => ({ vpc: `vpc-${Math.random()}` })).vpc;
    await store.settled();
    const recovered = await openStore();
    expect(recovered.slice('ec2', 'eu-west-1', () => ({ vpc: 'other' })).vpc).toBe(id);
  });

  it('cuts a torn last record off, says so once on stderr, and keeps every record before it', async () => {
    const store = await openStore();
    const state = store.slice<Counter>('ecs', 'us-east-1', () => ({ n: 0 }));
    for (let n = 1; n <= 3; n++) {
      state.n = n;
      await store.commit('ecs', 'us-east-1');
    }
    const [journal] = await journalFiles();
    const path = join(stateDir(), journal!);
    const good = (await stat(path)).size;
    // A crash in the middle of writing the next record.
    await appendFile(path, '0badc0de {"n":99,"s":"ecs","r":"us-east-1","v":{"n":4');
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});

    const recovered = await openStore();
    expect(recovered.slice<Counter>('ecs', 'us-east-1', () => ({ n: -1 })).n).toBe(3);
    expect(stderr).toHaveBeenCalledTimes(1);
    expect(String(stderr.mock.calls[0]![0])).toMatch(/dropped a torn record at its end \(\d+ bytes/);
    expect((await stat(path)).size).toBe(good);

    stderr.mockClear();
    await openStore();
    expect(stderr).not.toHaveBeenCalled();
  });

  it('drops a complete-looking last record whose checksum does not match', async () => {
    const store = await openStore();
    store.slice<Counter>('ecs', 'us-east-1', () => ({ n: 1 }));
    await store.commit('ecs', 'us-east-1');
    const path = join(stateDir(), (await journalFiles())[0]!);
    await appendFile(path, '00000000 {"n":50,"s":"ecs","r":"us-east-1","v":{"n":2}}\n');
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const recovered = await openStore();
    expect(recovered.slice<Counter>('ecs', 'us-east-1', () => ({ n: -1 })).n).toBe(1);
  });

  it('never lets older journal records overwrite a newer snapshot (a crash during compaction)', async () => {
    const store = await openStore();
    const state = store.slice<Counter>('ecs', 'us-east-1', () => ({ n: 0 }));
    state.n = 1;
    await store.commit('ecs', 'us-east-1');
    state.n = 2;
    await store.commit('ecs', 'us-east-1');
    const [oldJournal] = await journalFiles();
    await copyFile(join(stateDir(), oldJournal!), join(dataDir, 'old-journal'));
    await store.flush();
    expect(await journalFiles()).toEqual([]);
    state.n = 3;
    await store.commit('ecs', 'us-east-1');
    // As if the crash came before compaction removed the old journal.
    await copyFile(join(dataDir, 'old-journal'), join(stateDir(), oldJournal!));

    const recovered = await openStore();
    expect(recovered.slice<Counter>('ecs', 'us-east-1', () => ({ n: -1 })).n).toBe(3);
    // The next compaction removes both journal files.
    await recovered.flush();
    expect(await journalFiles()).toEqual([]);
    const again = await openStore();
    expect(again.slice<Counter>('ecs', 'us-east-1', () => ({ n: -1 })).n).toBe(3);
  });

  it('compacts into snapshots once the journal outgrows them, losing nothing', async () => {
    const store = await openStore({ compactMinBytes: 4096 });
    const state = store.slice<{ items: string[] }>('ecr', 'us-east-1', () => ({ items: [] }));
    for (let i = 0; i < 200; i++) {
      state.items.push(`repository-${i}`);
      await store.commit('ecr', 'us-east-1');
    }
    // Compaction runs on its own once the journal is past 4 KB; close waits for one in progress.
    await expect.poll(() => readdir(stateDir())).toContain('ecr.json');
    await store.close();
    const snapshot = JSON.parse(await readFile(join(stateDir(), 'ecr.json'), 'utf8')) as { lsn: number };
    expect(snapshot.lsn).toBeGreaterThan(0);
    const recovered = await openStore();
    expect(
      recovered.slice<{ items: string[] }>('ecr', 'us-east-1', () => ({ items: [] })).items,
    ).toHaveLength(200);
  });

  it('makes concurrent commits share fsyncs (group commit)', async () => {
    const store = await openStore();
    const state = store.slice<Counter>('ecs', 'us-east-1', () => ({ n: 0 }));
    await store.settled();
    const before = { ...store.journalStats };
    const commits = Array.from({ length: 50 }, () => {
      state.n++;
      return store.commit('ecs', 'us-east-1');
    });
    await Promise.all(commits);
    expect(store.journalStats.records - before.records).toBe(50);
    const fsyncs = store.journalStats.fsyncs - before.fsyncs;
    expect(fsyncs).toBeGreaterThan(0);
    expect(fsyncs).toBeLessThan(commits.length);
    const recovered = await openStore();
    expect(recovered.slice<Counter>('ecs', 'us-east-1', () => ({ n: -1 })).n).toBe(50);
  });
});

describe('startup', () => {
  it('removes temporary files a crashed writer left', async () => {
    const store = await openStore();
    store.slice<Counter>('ecs', 'us-east-1', () => ({ n: 1 }));
    await store.flush();
    await writeFile(join(stateDir(), 'ecs.json.4242.tmp'), '{"us-east-1":');
    await openStore();
    expect(await readdir(stateDir())).toEqual(['ecs.json']);
  });

  it('reads a snapshot written before the journal (regions only)', async () => {
    const store = await openStore();
    await store.flush();
    await writeFile(join(stateDir(), 'ecs.json'), '{"us-east-1":{"n":5}}');
    const reopened = await openStore();
    expect(reopened.slice<Counter>('ecs', 'us-east-1', () => ({ n: -1 })).n).toBe(5);
  });

  it('leaves a corrupt snapshot untouched and names it', async () => {
    const store = await openStore();
    await store.flush();
    const path = join(stateDir(), 'ecs.json');
    await writeFile(path, '{"lsn":3,"regions":{');
    const error = await StateStore.open(dataDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateFileError);
    expect((error as Error).message).toContain(path);
    expect(await readFile(path, 'utf8')).toBe('{"lsn":3,"regions":{');
  });

  it('keeps the state directory 0700 and every file in it 0600, tightening older ones', async () => {
    const store = await openStore();
    store.slice('secretsmanager', 'us-east-1', () => ({ value: 's3cr3t' }));
    await store.settled();
    const [journal] = await journalFiles();
    expect(await mode(stateDir())).toBe(0o700);
    expect(await mode(join(stateDir(), journal!))).toBe(0o600);
    await store.flush();
    expect(await mode(join(stateDir(), 'secretsmanager.json'))).toBe(0o600);

    await writeFile(join(stateDir(), 'iam.json'), '{}', { mode: 0o644 });
    await openStore();
    expect(await mode(join(stateDir(), 'iam.json'))).toBe(0o600);
  });
});

describe('names that are prototype keys', () => {
  it('keeps regions named __proto__ and constructor as ordinary, persisted regions', async () => {
    const store = await openStore();
    for (const region of ['__proto__', 'constructor', 'toString']) {
      store.slice<Counter>('ecs', region, () => ({ n: region.length }));
      await store.commit('ecs', region);
    }
    expect(store.regions('ecs').map(([r]) => r)).toEqual(['__proto__', 'constructor', 'toString']);
    const fromJournal = await openStore();
    expect(fromJournal.slice<Counter>('ecs', '__proto__', () => ({ n: -1 })).n).toBe(9);
    await fromJournal.flush();
    const fromSnapshot = await openStore();
    expect(fromSnapshot.regions<Counter>('ecs')).toEqual([
      ['__proto__', { n: 9 }],
      ['constructor', { n: 11 }],
      ['toString', { n: 8 }],
    ]);
  });
});

describe('CloudWatch Logs journal', () => {
  const REGION = 'us-east-1';
  const journals = { logs: logsJournal };
  const events = (from: number, count: number, timestamp = Date.now()) =>
    Array.from({ length: count }, (_, i) => ({ timestamp, message: `line ${from + i}` }));
  const messages = (state: LogsState) => state.groups.app!.streams.s!.events.map((e) => e.message);

  it('journals the events a call appended, not the stream, and replays to the same state', async () => {
    const store = await openStore({ journals });
    const state = store.slice('logs', REGION, initialLogsState);
    state.groups.app = {
      name: 'app',
      arn: 'arn:aws:logs:us-east-1:000000000000:log-group:app',
      creationTime: 1,
      logGroupClass: 'STANDARD',
      tags: {},
      streams: {},
    };
    await store.commit('logs', REGION, { group: 'app' });
    state.groups.app.streams.s = { name: 's', creationTime: 1, events: [], storedBytes: 0, uploads: 0 };
    await store.commit('logs', REGION, { group: 'app', stream: 's' });
    for (let batch = 0; batch < 20; batch++) {
      appendEvents(state, 'app', 's', events(batch * 10, 10));
      await store.commit('logs', REGION, { group: 'app', stream: 's' });
    }
    // Each record carries its own ten lines only.
    const journal = await readFile(join(stateDir(), (await journalFiles())[0]!), 'utf8');
    expect(journal.split('line 0"').length - 1).toBe(1);
    // A line that arrives out of order rewrites the stream; the store still converges.
    appendEvents(state, 'app', 's', events(1000, 1, Date.now() - 60_000));
    await store.commit('logs', REGION, { group: 'app', stream: 's' });
    appendEvents(state, 'app', 's', events(2000, 2));
    store.markDirty('logs', REGION, { group: 'app', stream: 's' }); // as log shipping does
    await store.settled();

    const recovered = await openStore({ journals });
    const replayed = recovered.slice('logs', REGION, initialLogsState);
    expect(messages(replayed)).toEqual(messages(state));
    expect(messages(replayed)).toHaveLength(203);
    expect(replayed.nextEventSeq).toBe(state.nextEventSeq);
    expect(replayed.groups.app!.streams.s!.uploads).toBe(22);

    // After a restart, appends are still journaled as appends.
    appendEvents(replayed, 'app', 's', events(3000, 1));
    await recovered.commit('logs', REGION, { group: 'app', stream: 's' });
    const latest = (await journalFiles()).at(-1)!;
    expect((await readFile(join(stateDir(), latest), 'utf8')).match(/"message"/g)).toHaveLength(1);
    const again = await openStore({ journals });
    expect(messages(again.slice('logs', REGION, initialLogsState))).toHaveLength(204);
  });
});
