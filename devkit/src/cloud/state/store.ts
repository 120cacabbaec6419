import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

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

type ServiceState = Record<string, unknown>;

/**
 * The most of the event loop's time saving may take by default: a service whose state takes long
 * to serialize (CloudWatch Logs after many events) is saved less often rather than stalling requests.
 */
const MAX_SAVE_SHARE = 0.05;
/** setTimeout's longest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The local cloud's persisted state: one JSON file per service under `<dataDir>/state/`, keyed by
 * region. Handlers mutate the live objects synchronously (one event loop, so no request sees
 * another's half-done change); saving is coalesced, paced by what serializing costs, and atomic
 * (temp file, fsync, rename), so a crash leaves either the old or the new file, never a torn one.
 */
export class StateStore {
  private readonly services = new Map<string, ServiceState>();
  private readonly dirty = new Set<string>();
  /** When each service may next be saved (performance.now() time), from its last serialization cost. */
  private readonly nextSaveAt = new Map<string, number>();
  private saving: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly dir: string | undefined;
  private readonly saveDelayMs: number;
  private readonly maxSaveShare: number;

  private constructor(dir: string | undefined, saveDelayMs: number, maxSaveShare: number) {
    this.dir = dir;
    this.saveDelayMs = saveDelayMs;
    this.maxSaveShare = maxSaveShare;
  }

  /** Opens the store under `dataDir` (created when missing); without one, state lives in memory only. */
  static async open(
    dataDir: string | undefined,
    options: { saveDelayMs?: number; maxSaveShare?: number } = {},
  ): Promise<StateStore> {
    const dir = dataDir === undefined ? undefined : join(dataDir, 'state');
    const store = new StateStore(dir, options.saveDelayMs ?? 50, options.maxSaveShare ?? MAX_SAVE_SHARE);
    if (dir === undefined) return store;
    await mkdir(dir, { recursive: true });
    for (const file of await readdir(dir)) {
      if (!file.endsWith('.json')) continue;
      const path = join(dir, file);
      const text = await readFile(path, 'utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text, withoutPrototype);
      } catch (error) {
        throw new StateFileError(path, (error as Error).message);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new StateFileError(path, 'not a JSON object');
      }
      store.services.set(file.slice(0, -'.json'.length), parsed as ServiceState);
    }
    return store;
  }

  /** The live state of `service` in `region` (created from `init` on first use). */
  slice<T>(service: string, region: string, init: () => T): T {
    let byRegion = this.services.get(service);
    if (!byRegion) this.services.set(service, (byRegion = {}));
    if (!(region in byRegion)) byRegion[region] = init();
    return byRegion[region] as T;
  }

  /** Every region's state of `service`, for work that spans regions (schedulers, status). */
  regions<T>(service: string): Array<[region: string, state: T]> {
    return Object.entries(this.services.get(service) ?? {}) as Array<[string, T]>;
  }

  /** Records that `service` changed; it is saved shortly, together with anything else that changes. */
  markDirty(service: string): void {
    if (this.dir === undefined) return;
    this.dirty.add(service);
    this.schedule(this.saveDelayMs);
  }

  /** Saves everything pending now; resolves when it is on disk. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.save(true);
  }

  private schedule(delayMs: number): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.save(false);
    }, delayMs);
  }

  private async save(all: boolean): Promise<void> {
    // One save at a time; a change made during a save is picked up by the next one.
    while (this.saving) await this.saving;
    if (this.dirty.size === 0 || this.dir === undefined) return;
    const dir = this.dir;
    const now = performance.now();
    const names = [...this.dirty].filter((name) => all || now >= (this.nextSaveAt.get(name) ?? 0));
    for (const name of names) this.dirty.delete(name);
    // Serialize synchronously, before any await, so the snapshot is consistent.
    const snapshots = names.map((name) => {
      const started = performance.now();
      const json = JSON.stringify(this.services.get(name) ?? {});
      const finished = performance.now();
      this.nextSaveAt.set(name, finished + (finished - started) / this.maxSaveShare);
      return [name, json] as const;
    });
    if (this.dirty.size > 0) {
      const due = Math.min(...[...this.dirty].map((name) => this.nextSaveAt.get(name) ?? 0));
      this.schedule(Math.min(MAX_TIMER_MS, Math.max(this.saveDelayMs, due - performance.now())));
    }
    this.saving = Promise.all(
      snapshots.map(([name, json]) => writeAtomically(join(dir, `${name}.json`), json)),
    )
      .then(() => undefined)
      .finally(() => {
        this.saving = undefined;
      });
    await this.saving;
  }
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

async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const file = await open(temp, 'w');
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
}
