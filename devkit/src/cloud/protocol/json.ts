import type { OperationSchema, ProtocolCodec, Reply } from './codec.ts';
import type { ServiceError } from './errors.ts';
import { SerializationException } from './errors.ts';
import { decodeJson, encodeJson, shapeOf } from './shapes.ts';

const CONTENT_TYPE = 'application/x-amz-json-1.1';

/** awsJson1_1: `POST /`, `X-Amz-Target: Prefix.Operation`, timestamps as epoch seconds. */
export const awsJson: ProtocolCodec = {
  decode(operation: OperationSchema, body: string): unknown {
    let parsed: unknown = {};
    if (body.trim() !== '') {
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
    const body = shape.isUnitSchema() ? {} : (encodeJson(shape, output ?? {}) ?? {});
    return reply(200, JSON.stringify(body), requestId);
  },

  encodeError(error: ServiceError, requestId: string): Reply {
    const reply_ = reply(
      error.status,
      JSON.stringify({ __type: error.code, message: error.message }),
      requestId,
    );
    reply_.headers['x-amzn-errortype'] = error.code;
    return reply_;
  },
};

function reply(status: number, body: string, requestId: string): Reply {
  return { status, body, headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId } };
}
