/**
 * Looks for one secret in everything the rehearsal leaves behind: text, files, directories, byte
 * streams (a `docker save` of an image, whose layers are tar files), image history and config, and
 * CloudWatch Logs events. Findings name where the secret was and in which form, never the secret.
 */
import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeLogGroupsCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type Docker from 'dockerode';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AwsClients } from '../deploy/clients.ts';

export interface LeakFinding {
  where: string;
  form: 'literal' | 'base64';
}

export interface ScanResult {
  /** What was scanned, e.g. `log group /ecs/x (312 events)`, so a clean result says what it covers. */
  scanned: string[];
  findings: LeakFinding[];
}

interface Needle {
  bytes: Buffer;
  form: LeakFinding['form'];
}

/**
 * The secret as it may appear: literally, and base64-encoded (Docker auth and Kubernetes-style
 * configs carry secrets that way). Base64 of a string inside other text depends on its byte offset
 * modulo 3, so each alignment gives one needle: the characters that depend on the secret alone.
 */
function needlesFor(secret: string): Needle[] {
  const raw = Buffer.from(secret, 'utf8');
  const needles: Needle[] = [{ bytes: raw, form: 'literal' }];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), raw]).toString('base64');
    const start = Math.ceil((offset * 4) / 3);
    const end = Math.floor(((offset + raw.length) * 4) / 3);
    if (end - start >= 8) needles.push({ bytes: Buffer.from(encoded.slice(start, end)), form: 'base64' });
  }
  return needles;
}

export class SecretScanner {
  private readonly needles: Needle[];
  private readonly carry: number;
  readonly result: ScanResult = { scanned: [], findings: [] };

  constructor(secret: string) {
    if (secret.length < 8) throw new RangeError('a secret to scan for needs at least 8 characters');
    this.needles = needlesFor(secret);
    this.carry = Math.max(...this.needles.map((n) => n.bytes.length)) - 1;
  }

  /** Forms of the secret found in `data` (each once). */
  private formsIn(data: Buffer): Set<LeakFinding['form']> {
    return new Set(this.needles.filter((n) => data.includes(n.bytes)).map((n) => n.form));
  }

  private record(where: string, forms: Set<LeakFinding['form']>): void {
    for (const form of forms) this.result.findings.push({ where, form });
  }

  /** Scans one text; `where` names it in findings and in `scanned`. */
  text(where: string, text: string): void {
    this.result.scanned.push(where);
    this.record(where, this.formsIn(Buffer.from(text, 'utf8')));
  }

  /** Scans a byte stream of any size, chunk by chunk, keeping an overlap so no match is split. */
  async stream(where: string, stream: AsyncIterable<Buffer | string>): Promise<void> {
    const found = new Set<LeakFinding['form']>();
    let tail = Buffer.alloc(0);
    let bytes = 0;
    for await (const chunk of stream) {
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      bytes += data.length;
      const window = Buffer.concat([tail, data]);
      for (const form of this.formsIn(window)) found.add(form);
      tail = window.subarray(Math.max(0, window.length - this.carry));
    }
    this.result.scanned.push(`${where} (${bytes} bytes)`);
    this.record(where, found);
  }

  async file(path: string): Promise<void> {
    await this.stream(path, createReadStream(path));
  }

  /** Every regular file under `dir`, recursively. */
  async directory(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
      const path = join(entry.parentPath, entry.name);
      if (entry.isFile() || (entry.isSymbolicLink() && (await stat(path)).isFile())) await this.file(path);
    }
  }

  /**
   * Images: one `docker save` archive of them all (configs, history and every layer, uncompressed;
   * shared layers once) and, for a readable finding, each one's history and inspect output.
   */
  async images(docker: Docker, references: string[]): Promise<void> {
    for (const reference of references) {
      const image = docker.getImage(reference);
      this.text(`image ${reference} history`, JSON.stringify(await image.history()));
      this.text(`image ${reference} config`, JSON.stringify(await image.inspect()));
    }
    // dockerode has getImages (GET /images/get with several names); @types/dockerode lacks it.
    const saver = docker as unknown as { getImages(o: { names: string[] }): Promise<NodeJS.ReadableStream> };
    const archive = (await saver.getImages({ names: references })) as AsyncIterable<Buffer>;
    await this.stream(`images ${references.join(', ')} layers (docker save)`, archive);
  }

  /** A container's stdout and stderr as Docker kept them. */
  async containerLogs(docker: Docker, id: string, name: string): Promise<void> {
    const logs = await docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false });
    this.text(`container ${name} logs`, logs.toString('utf8'));
  }

  /** Every event of every log group of a CloudWatch Logs endpoint. */
  async logGroups(clients: AwsClients): Promise<void> {
    for (const group of await allLogGroups(clients)) {
      const events = await allLogEvents(clients, group);
      this.text(
        `log group ${group} (${events.length} events)`,
        events.map((e) => e.message ?? '').join('\n'),
      );
    }
  }
}

async function allLogGroups(clients: AwsClients): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.logs.send(new DescribeLogGroupsCommand({ nextToken }));
    names.push(...(page.logGroups ?? []).flatMap((g) => (g.logGroupName ? [g.logGroupName] : [])));
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

export async function allLogEvents(
  clients: AwsClients,
  logGroupName: string,
  filterPattern?: string,
): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.logs.send(
      new FilterLogEventsCommand({ logGroupName, nextToken, filterPattern }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}
