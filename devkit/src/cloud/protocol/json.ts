import type { OperationSchema, ProtocolCodec, Reply } from './codec.ts';
import type { ServiceError } from './errors.ts';
import { SerializationException } from './errors.ts';
import {
  encodeEventStream,
  EVENT_STREAM_CONTENT_TYPE,
  eventStreamMember,
  type EventSource,
} from './event-stream.ts';
import { decodeJson, encodeJson, shapeOf } from './shapes.ts';

/**
 * JSON.parse's time grows with the values it builds (here about 1.5 µs each, so a 16 MB body of
 * `[[[]]]` blocks the loop for seconds) and deep nesting makes it slower still. Bodies are
 * refused past these bounds before parsing; the largest legitimate request (PutLogEvents with
 * 10,000 events) holds about 30,000 values at depth 3.
 */
const MAX_JSON_DEPTH = 64;
const MAX_JSON_VALUES = 100_000;

/** One linear pass over the text: nesting depth, and values counted by their separators and containers. */
function checkJsonBounds(body: string): void {
  let depth = 0;
  let values = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < body.length && body.charCodeAt(i) !== 0x22; i++) if (body.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new SerializationException(`JSON nesting deeper than ${MAX_JSON_DEPTH} levels`);
      }
      values++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
    else if (c === 0x2c /* , */) values++;
    if (values > MAX_JSON_VALUES) {
      throw new SerializationException(`JSON request body holds more than ${MAX_JSON_VALUES} values`);
    }
  }
}

/**
 * awsJson1_0 / awsJson1_1: `POST /`, `X-Amz-Target: Prefix.Operation`, timestamps as epoch seconds.
 * A service AWS moved from awsQuery (its awsQueryCompatible trait, e.g. CloudWatch) names its
 * errors by their query codes: `queryErrors` maps each code to the JSON error shape's name, and the
 * code itself goes in `x-amzn-query-error`, where the SDK reads it.
 */
export function awsJsonCodec(
  version: '1.0' | '1.1',
  queryErrors?: ReadonlyMap<string, string>,
): ProtocolCodec {
  const contentType = `application/x-amz-json-${version}`;
  const reply = (status: number, body: string, requestId: string): Reply => ({
    status,
    body,
    headers: { 'content-type': contentType, 'x-amzn-requestid': requestId },
  });
  return {
    decode(operation: OperationSchema, body: string): unknown {
      let parsed: unknown = {};
      if (body.trim() !== '') {
        checkJsonBounds(body);
        try {
          parsed = JSON.parse(body);
        } catch (error) {
          throw new SerializationException(`Malformed JSON request body: ${(error as Error).message}`);
        }
      }
      return decodeJson(shapeOf(operation[4]), parsed) ?? {};
    },

    encode(operation: OperationSchema, output: unknown, requestId: string): Reply {
      const shape = shapeOf(operation[5]);
      const streamed = eventStreamMember(shape);
      if (streamed !== undefined) {
        const source = (output as Record<string, EventSource<unknown>>)[streamed]!;
        const streaming = reply(200, '', requestId);
        streaming.headers['content-type'] = EVENT_STREAM_CONTENT_TYPE;
        return { ...streaming, stream: encodeEventStream(shape, streamed, source) };
      }
      const body = shape.isUnitSchema() ? {} : (encodeJson(shape, output ?? {}) ?? {});
      return reply(200, JSON.stringify(body), requestId);
    },

    encodeError(error: ServiceError, requestId: string): Reply {
      const type = queryErrors?.get(error.code) ?? error.code;
      const reply_ = reply(
        error.status,
        JSON.stringify({ ...error.members, __type: type, message: error.message }),
        requestId,
      );
      reply_.headers['x-amzn-errortype'] = type;
      if (queryErrors) reply_.headers['x-amzn-query-error'] = `${error.code};${error.fault}`;
      return reply_;
    },
  };
}

export const awsJson: ProtocolCodec = awsJsonCodec('1.1');
