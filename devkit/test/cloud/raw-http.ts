/**
 * Raw HTTP/1.1 over a socket, for requests no well-behaved client sends (malformed targets, broken
 * chunking, bodies cut short): what the cloud answered, if anything, and the AWS error type in it.
 */
import { connect } from 'node:net';

export interface RawReply {
  /** Undefined when the server wrote nothing before closing (or before `waitMs`). */
  status: number | undefined;
  headers: Record<string, string>;
  body: string;
}

export interface RawOptions {
  /** Close the socket this long after writing (a client that goes away mid-request). */
  abortAfterMs?: number;
  /** Give up waiting for a reply after this long. */
  waitMs?: number;
}

export function rawRequest(
  port: number,
  request: string | Buffer,
  options: RawOptions = {},
): Promise<RawReply> {
  const waitMs = options.waitMs ?? 10_000;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(Buffer.concat(chunks)));
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (complete(Buffer.concat(chunks))) finish();
    });
    socket.on('close', finish);
    socket.on('error', () => undefined);
    socket.write(request, () => {
      if (options.abortAfterMs !== undefined) setTimeout(finish, options.abortAfterMs);
    });
  });
}

function complete(data: Buffer): boolean {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const reply = parse(data);
  if (reply.status === 100) return false;
  const length = Number(reply.headers['content-length'] ?? NaN);
  return !Number.isNaN(length) && data.length - end - 4 >= length;
}

function parse(data: Buffer): RawReply {
  let text = data.toString('latin1');
  // Skip interim `100 Continue` replies.
  while (text.startsWith('HTTP/1.1 100')) text = text.slice(text.indexOf('\r\n\r\n') + 4);
  const end = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/') || end < 0) return { status: undefined, headers: {}, body: '' };
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(end + 4) };
}

/** The AWS error type of a reply: awsJson's `__type`, the query protocols' `<Code>`. */
export function errorType(reply: { headers: Record<string, string>; body: string }): string | undefined {
  if (reply.headers['x-amzn-errortype']) return reply.headers['x-amzn-errortype'];
  const code = /<Code>([^<]*)<\/Code>/.exec(reply.body);
  if (code) return code[1];
  try {
    return (JSON.parse(reply.body) as { __type?: string }).__type;
  } catch {
    return undefined;
  }
}
