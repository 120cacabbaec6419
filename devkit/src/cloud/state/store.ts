import { chmod, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_MODE, ownerOnlyDir, removeTempFiles, syncDir, writeAtomically } from './files.ts';
import { JournalFile, readJournal, type JournalStats } from './journal.ts';

/** A state file that cannot be read back. It is left untouched for the user to inspect. */
export class StateFileError extends Error {
  readonly path: string;

  constructor(path: string, reason: string) {
    super(
      `state file ${path} is corrupt (${reason}); it was left as it is: move it aside to start with an empty state`,
    );
    this.path = path;
  }
}

/**
 * How a service journals a change more finely than its whole region state: for services whose
 * state is big and whose hot writes touch a small part of it (CloudWatch Logs). `C` is the
 * service's own description of what a change touched.
 */
export interface SliceJournal<S = unknown, C = unknown> {
  /** What a call of `operation` touched; undefined journals the whole region state. */
  changeOf(state: S, operation: string, input: unknown): C | undefined;
  /** The record of `change` as `state` now has it (JSON data); undefined when nothing changed. */
  record(state: S, change: C): unknown;
  /** Replays a record onto the region's state. */
  apply(state: S, record: unknown): void;
  /** Everything in `state` is durable as it stands (it was just restored or journaled whole). */
  settled(state: S): void;
}

/** One line of the journal: a region's whole state (`v`), or a service's own record of a change (`c`). */
interface JournalRecord {
  /** Sequence number: a snapshot holding `lsn` already includes every record up to it. */
  n: number;
  s: string;
  r: string;
  v?: unknown;
  c?: unknown;
}

/** Journal bytes before compaction folds them into snapshots (more when the snapshots are bigger). */
const COMPACT_MIN_BYTES = 16 * 1024 * 1024;
const JOURNAL_FILE = /^journal-(\d+)\.log$/;

const DURABLE = Promise.resolve();

/**
 * The local cloud's persisted state, under `<dataDir>/state/`: a snapshot per service
 * (`<service>.json`, keyed by region) and an append-only journal of the changes since.
 *
 * Handlers mutate the live objects synchronously (one event loop, so no request sees another's
 * half-done change); then the change is journaled and the reply waits until the record is fsynced
 * (`commit`). A record is the region's whole state for small services, or the service's own record
 * of what changed (`SliceJournal`) for big ones. Changes made outside requests (the ECS runtime,
 * log shipping) are journaled the same way without waiting (`markDirty`), so one ordered journal
 * holds everything and recovery replays it in order: nothing journaled later is overwritten by
 * something older. When the journal has grown past the snapshots' size, it is compacted into them.
 */
export class StateStore {
  private readonly services = new Map<string, Map<string, unknown>>();
  /** Records made durable and the fsyncs it took, since the store opened (benchmarks show group commit). */
  readonly journalStats: JournalStats = { records: 0, fsyncs: 0 };
  private readonly dir: string | undefined;
  private readonly journals: ReadonlyMap<string, SliceJournal>;
  private readonly compactMinBytes: number;
  /** The last sequence number given to a record. */
  private lsn = 0;
  private journal: JournalFile | undefined;
  private opening: Promise<JournalFile> | undefined;
  /** The journal file retired last, until its pending records are written and it is closed. */
  private closing: Promise<void> | undefined;
  /** Services with records in the active journal file. */
  private journaled = new Set<string>();
  /** Older journal files (from before a restart, or being compacted) and the services they hold. */
  private retained: Array<{ path: string; services: Set<string>; bytes: number }> = [];
  private readonly snapshotSizes = new Map<string, number>();
  private compacting: Promise<void> | undefined;
  private reported = false;

  private constructor(
    dir: string | undefined,
    journals: ReadonlyMap<string, SliceJournal>,
    compactMinBytes: number,
  ) {
    this.dir = dir;
    this.journals = journals;
    this.compactMinBytes = compactMinBytes;
  }

  /**
   * Opens the store under `dataDir` (created owner-only when missing) and recovers it: snapshots,
   * then the journal's later records; a torn last record is cut off. Without a data directory,
   * state lives in memory only.
   */
  static async open(
    dataDir: string | undefined,
    options: { journals?: Record<string, SliceJournal>; compactMinBytes?: number } = {},
  ): Promise<StateStore> {
    const dir = dataDir === undefined ? undefined : join(dataDir, 'state');
    const store = new StateStore(
      dir,
      new Map(Object.entries(options.journals ?? {})),
      options.compactMinBytes ?? COMPACT_MIN_BYTES,
    );
    if (dir !== undefined) await store.recover(dir);
    return store;
  }

  /** The live state of `service` in `region` (created from `init` on first use). */
  slice<T>(service: string, region: string, init: () => T): T {
    let byRegion = this.services.get(service);
    if (!byRegion) this.services.set(service, (byRegion = new Map()));
    if (!byRegion.has(region)) {
      byRegion.set(region, init());
      // What a region starts with (EC2's default VPC ids) must read the same after a restart.
      this.markDirty(service, region);
    }
    return byRegion.get(region) as T;
  }

  /** Every region's state of `service`, for work that spans regions (schedulers, status). */
  regions<T>(service: string): Array<[region: string, state: T]> {
    return [...(this.services.get(service) ?? new Map<string, T>())] as Array<[string, T]>;
  }

  /**
   * Journals a change to `service` in `region` (`change` as its SliceJournal describes it; the
   * whole region state without one). Resolves once it is on disk: only then may it be acknowledged.
   */
  commit(service: string, region: string, change?: unknown): Promise<void> {
    if (this.dir === undefined) return DURABLE;
    const state = this.services.get(service)?.get(region);
    if (state === undefined) return this.settled() ?? DURABLE;
    const journal = change === undefined ? undefined : this.journals.get(service);
    let record: JournalRecord;
    if (journal) {
      const c = journal.record(state, change);
      if (c === undefined) return this.settled() ?? DURABLE;
      record = { n: ++this.lsn, s: service, r: region, c };
    } else {
      record = { n: ++this.lsn, s: service, r: region, v: state };
      this.journals.get(service)?.settled(state);
    }
    // Serialized now, before any await: the record is the state as this change left it.
    return this.append(service, JSON.stringify(record));
  }

  /**
   * Journals a change made outside a request (all regions of `service` without a region); it
   * reaches the disk with the next write, and nobody waits for it.
   */
  markDirty(service: string, region?: string, change?: unknown): void {
    if (this.dir === undefined) return;
    const regions = region === undefined ? [...(this.services.get(service)?.keys() ?? [])] : [region];
    for (const r of regions) {
      this.commit(service, r, change).catch((error: unknown) => this.fail(error as Error));
    }
  }

  /** Resolves once everything journaled so far is on disk; undefined when nothing is pending. */
  settled(): Promise<void> | undefined {
    const current = this.opening
      ? this.opening.then(
          () => this.journal?.settled(),
          () => {},
        )
      : this.journal?.settled();
    return (
      this.closing?.then(
        () => current,
        () => current,
      ) ?? current
    );
  }

  /** Folds the journal into the snapshots; resolves when they are on disk and the journal is gone. */
  async flush(): Promise<void> {
    await this.compact();
  }

  /** Waits for pending records and closes the journal file, leaving it for the next start to replay. */
  async close(): Promise<void> {
    await this.compacting;
    await this.retire();
  }

  /** Ends the current journal file: it joins the retained ones, closed once its records are written. */
  private async retire(): Promise<void> {
    await this.opening;
    const journal = this.journal;
    if (!journal) return;
    this.retained.push({ path: journal.path, services: this.journaled, bytes: journal.bytes });
    this.journal = undefined;
    this.journaled = new Set();
    this.closing = journal.close().finally(() => {
      this.closing = undefined;
    });
    await this.closing;
  }

  private append(service: string, json: string): Promise<void> {
    this.journaled.add(service);
    const written = this.journal
      ? this.journal.append(json)
      : (this.opening ??= JournalFile.create(this.journalPath(this.lsn), this.journalStats).finally(() => {
          this.opening = undefined;
        })).then((journal) => {
          this.journal ??= journal;
          return this.journal.append(json);
        });
    if (this.journalBytes() > Math.max(this.compactMinBytes, this.snapshotBytes())) void this.compact();
    return written;
  }

  private snapshotBytes(): number {
    let sum = 0;
    for (const size of this.snapshotSizes.values()) sum += size;
    return sum;
  }

  private journalBytes(): number {
    return (this.journal?.bytes ?? 0) + this.retained.reduce((sum, file) => sum + file.bytes, 0);
  }

  private journalPath(firstLsn: number): string {
    return join(this.dir!, `journal-${String(firstLsn).padStart(16, '0')}.log`);
  }

  /** The first failure nobody waited for is reported; calls that wait get their own error. */
  private fail(error: Error): void {
    if (this.reported) return;
    this.reported = true;
    console.error(`[cloud] ${error.message}`);
  }

  private compact(): Promise<void> {
    this.compacting ??= this.compactNow()
      .catch((error: unknown) => this.fail(error as Error))
      .finally(() => {
        this.compacting = undefined;
      });
    return this.compacting;
  }

  /**
   * New records go to a new journal file while every service with records in the old ones is
   * snapshotted (each at its own sequence number, so requests keep flowing in between); then the
   * old files go.
   */
  private async compactNow(): Promise<void> {
    const dir = this.dir;
    if (dir === undefined) return;
    await this.retire();
    const old = this.retained;
    this.retained = [];
    try {
      const services = new Set(old.flatMap((file) => [...file.services]));
      for (const service of services) {
        const regions = [...(this.services.get(service) ?? [])];
        const body = regions.map(([region, state]) => `${JSON.stringify(region)}:${JSON.stringify(state)}`);
        const text = `{"lsn":${this.lsn},"regions":{${body.join(',')}}}`;
        this.snapshotSizes.set(service, text.length);
        await writeAtomically(join(dir, `${service}.json`), text);
      }
      if (services.size > 0) await syncDir(dir);
      for (const file of old) await rm(file.path, { force: true });
    } catch (error) {
      // The old files still hold what the snapshots may not: keep them for the next try.
      this.retained.unshift(...old);
      throw error;
    }
  }

  private async recover(dir: string): Promise<void> {
    await ownerOnlyDir(dir);
    await removeTempFiles(dir);
    const names = (await readdir(dir)).sort();
    const snapshotLsn = new Map<string, number>();
    for (const file of names.filter((name) => name.endsWith('.json'))) {
      const path = join(dir, file);
      await chmod(path, FILE_MODE);
      const text = await readFile(path, 'utf8');
      const service = file.slice(0, -'.json'.length);
      const { lsn, regions } = readSnapshot(path, text);
      this.services.set(service, regions);
      snapshotLsn.set(service, lsn);
      this.lsn = Math.max(this.lsn, lsn);
      this.snapshotSizes.set(service, text.length);
    }
    for (const file of names.filter((name) => JOURNAL_FILE.test(name))) {
      const path = join(dir, file);
      await chmod(path, FILE_MODE);
      const { records, bytes, torn } = await readJournal(path, parseState);
      if (torn > 0) {
        console.error(
          `[cloud] state journal ${path}: dropped a torn record at its end (${torn} bytes, a crash during its write; it was never acknowledged)`,
        );
      }
      const services = new Set<string>();
      for (const record of records as JournalRecord[]) {
        services.add(record.s);
        this.lsn = Math.max(this.lsn, record.n);
        if (record.n > (snapshotLsn.get(record.s) ?? 0)) this.replay(record);
      }
      this.retained.push({ path, services, bytes });
    }
    for (const [service, journal] of this.journals) {
      for (const [, state] of this.services.get(service) ?? []) journal.settled(state);
    }
  }

  private replay(record: JournalRecord): void {
    let byRegion = this.services.get(record.s);
    if (!byRegion) this.services.set(record.s, (byRegion = new Map()));
    if (record.c === undefined) {
      byRegion.set(record.r, record.v);
      return;
    }
    const state = byRegion.get(record.r);
    const journal = this.journals.get(record.s);
    // A region's first record is always its whole state, so a change record finds its region.
    if (state === undefined || !journal) {
      console.error(`[cloud] state journal: skipped a ${record.s} change in unknown region ${record.r}`);
      return;
    }
    journal.apply(state, record.c);
  }
}

/** `{lsn, regions}`; a file from before the journal is the regions alone (sequence 0). */
function readSnapshot(path: string, text: string): { lsn: number; regions: Map<string, unknown> } {
  let parsed: unknown;
  try {
    parsed = parseState(text);
  } catch (error) {
    throw new StateFileError(path, (error as Error).message);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new StateFileError(path, 'not a JSON object');
  }
  const { lsn, regions } = parsed as { lsn?: unknown; regions?: unknown };
  const current = typeof lsn === 'number' && regions !== null && typeof regions === 'object';
  return {
    lsn: current ? lsn : 0,
    regions: new Map(Object.entries(current ? (regions as object) : parsed)),
  };
}

/** Parses state as services create it: objects without a prototype (see `withoutPrototype`). */
function parseState(text: string): unknown {
  return JSON.parse(text, withoutPrototype);
}

/**
 * Reads state back as services create it: objects without a prototype, so a name a client chose
 * (`__proto__`, `constructor`) stays an ordinary key of its collection after a restart.
 */
function withoutPrototype(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    Object.setPrototypeOf(value, null);
  return value;
}
