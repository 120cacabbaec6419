/**
 * The append-only journal file: one record per line, `<crc32 hex> <json>\n`. A change is
 * acknowledged only once its record is on disk. Records appended while a write is on its way wait
 * for the next one and share its sync (group commit), so concurrent writers cost one sync per
 * batch, not per call.
 */
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, readFile, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { FILE_MODE, syncDir } from './files.ts';

interface Batch {
  text: string;
  records: number;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function newBatch(): Batch {
  const batch = { text: '', records: 0 } as Batch;
  batch.done = new Promise<void>((resolve, reject) => {
    batch.resolve = resolve;
    batch.reject = reject;
  });
  // A batch nobody awaits (changes made outside requests) must not become an unhandled rejection.
  batch.done.catch(() => {});
  return batch;
}

/** Records made durable and the synchronous writes (fsyncs) it took: how well writes share them. */
export interface JournalStats {
  records: number;
  fsyncs: number;
}

export class JournalFile {
  readonly path: string;
  private readonly stats: JournalStats;
  /** Bytes known to be on disk: the file is cut back here when a write fails halfway. */
  private size: number;
  private readonly file: FileHandle;
  /** Records waiting for the next write. */
  private next: Batch | undefined;
  /** The synchronous write in progress, if any. */
  private writing: Promise<void> | undefined;

  private constructor(path: string, file: FileHandle, size: number, stats: JournalStats) {
    this.path = path;
    this.stats = stats;
    this.file = file;
    this.size = size;
  }

  /**
   * Creates a new, empty journal file (owner-only) and makes its name durable. It is opened with
   * O_DSYNC: a write returns once its bytes are on disk, one system call per batch instead of a
   * write and an fdatasync (each a trip through libuv's thread pool).
   */
  static async create(path: string, stats: JournalStats): Promise<JournalFile> {
    const file = await open(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC,
      FILE_MODE,
    );
    await syncDir(dirname(path));
    return new JournalFile(path, file, 0, stats);
  }

  get bytes(): number {
    return this.size + (this.next?.text.length ?? 0);
  }

  /** Queues one record; resolves once it is on disk. */
  append(json: string): Promise<void> {
    const batch = (this.next ??= newBatch());
    batch.text += frame(json);
    batch.records++;
    // Started after the current I/O phase, so every request handled in it joins this batch.
    if (!this.writing)
      this.writing = new Promise((resolve) => setImmediate(resolve)).then(() => this.drain());
    return batch.done;
  }

  /** Resolves once everything appended so far is on disk (or failed to get there). */
  settled(): Promise<void> | undefined {
    return this.next?.done.catch(() => {}) ?? this.writing;
  }

  /** Waits for pending records, then closes the file. */
  async close(): Promise<void> {
    await this.writing;
    await this.file.close();
  }

  private async drain(): Promise<void> {
    while (this.next) {
      const batch = this.next;
      this.next = undefined;
      const bytes = Buffer.from(batch.text, 'utf8');
      try {
        await this.file.write(bytes, 0, bytes.length, this.size);
        this.size += bytes.length;
        this.stats.records += batch.records;
        this.stats.fsyncs++;
        batch.resolve();
      } catch (error) {
        // A half-written batch would hide every later record from recovery: cut it off first.
        await this.file.truncate(this.size).catch(() => {});
        batch.reject(
          new Error(`the state journal ${this.path} could not be written: ${(error as Error).message}`),
        );
      }
    }
    this.writing = undefined;
  }
}

function frame(json: string): string {
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/**
 * The records of a journal file, in order. A torn or corrupt record (a crash during its write)
 * ends the journal: the file is cut back to the last good record, and `torn` says how many bytes
 * were dropped.
 */
export async function readJournal(
  path: string,
  parse: (json: string) => unknown,
): Promise<{ records: unknown[]; bytes: number; torn: number }> {
  const bytes = await readFile(path);
  const records: unknown[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const end = bytes.indexOf(0x0a, offset);
    const record = end < 0 ? undefined : unframe(bytes.subarray(offset, end), parse);
    if (record === undefined) break;
    records.push(record);
    offset = end + 1;
  }
  const torn = bytes.length - offset;
  if (torn > 0) await truncate(path, offset);
  return { records, bytes: offset, torn };
}

function unframe(line: Buffer, parse: (json: string) => unknown): unknown {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const json = line.subarray(9);
  if (crc32(json).toString(16).padStart(8, '0') !== line.subarray(0, 8).toString('latin1')) return undefined;
  try {
    return parse(json.toString('utf8'));
  } catch {
    return undefined;
  }
}
