/**
 * What an HTTP server of the cloud answers when a request cannot even be parsed: Node reports it
 * as the server's `clientError`. Headers past Node's limit get 431, anything else malformed 400,
 * each with `Connection: close`; a socket that already carries a response is only closed.
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a closing connection may keep sending before it is cut (so the client reads our answer). */
const LINGER_MS = 1000;

const STATUS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Node calls again for every later chunk of a connection it could not parse.
    if (answered.has(socket)) return;
    answered.add(socket);
    if (
      error.code === 'ECONNRESET' ||
      !socket.writable ||
      (socket as { bytesWritten?: number }).bytesWritten
    ) {
      socket.destroy();
      return;
    }
    const status = STATUS[error.code ?? ''] ?? '400 Bad Request';
    const body = `${status}\n`;
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
    // Closing while the client still sends would reset the connection before it reads the answer:
    // read and drop what follows for a moment, then cut.
    socket.on('data', () => undefined);
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}

const answered = new WeakSet<Duplex>();
