import type { ServiceError } from './errors.ts';
import type { FrameStream } from './event-stream.ts';

/** What goes back on the wire. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** An event-stream response: its frames follow the headers, for as long as they last. */
  stream?: FrameStream;
}

/** An SDK operation schema: `[9, namespace, name, traits, input, output]`. */
export type OperationSchema = readonly [number, string, string, unknown, unknown, unknown];

/** One wire protocol: request body → operation input, output → reply, error → reply. */
export interface ProtocolCodec {
  decode(operation: OperationSchema, body: string): unknown;
  encode(operation: OperationSchema, output: unknown, requestId: string): Reply;
  encodeError(error: ServiceError, requestId: string, operation: string | undefined): Reply;
}
