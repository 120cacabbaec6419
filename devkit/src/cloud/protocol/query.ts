import { XmlShapeSerializer } from '@aws-sdk/core/protocols';
import type { OperationSchema, ProtocolCodec, Reply } from './codec.ts';
import type { ServiceError } from './errors.ts';
import { decodeQuery, type ParamNode, paramTree, shapeOf } from './shapes.ts';

/** Form parameters of a query request, without the envelope (`Action`, `Version`). */
export function queryParams(body: string): ParamNode {
  const params = paramTree(new URLSearchParams(body));
  params.children?.delete('Action');
  params.children?.delete('Version');
  return params;
}

/** Escapes element text (the only place user text goes in these envelopes). */
function escapeXml(text: string): string {
  return text.replace(/[<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'));
}

/** The members of `output` as XML elements, named and nested as the SDK's model says. */
function outputXml(operation: OperationSchema, output: unknown): string {
  const shape = shapeOf(operation[5]);
  if (shape.isUnitSchema()) return '';
  const serializer = new XmlShapeSerializer({
    timestampFormat: { useTrait: true, default: 5 },
    httpBindings: false,
    serviceNamespace: operation[1],
  } as ConstructorParameters<typeof XmlShapeSerializer>[0]);
  serializer.write(shape, output ?? {});
  // The serializer wraps the members in an element named after the output shape; AWS names the
  // wrapper after the operation instead, so keep only what is inside.
  const xml = String(serializer.flush());
  const open = xml.indexOf('>');
  return xml[open - 1] === '/' ? '' : xml.slice(open + 1, xml.lastIndexOf('</'));
}

function xmlReply(status: number, body: string, requestId: string): Reply {
  return { status, body, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId } };
}

/** awsQuery (IAM, STS): `<OpResponse><OpResult>…</OpResult><ResponseMetadata>…`. */
export function awsQuery(xmlNamespace: string): ProtocolCodec {
  return {
    decode: (operation, body) => decodeQuery(shapeOf(operation[4]), queryParams(body), { ec2: false }) ?? {},
    encode(operation, output, requestId) {
      const name = operation[2];
      return xmlReply(
        200,
        `<${name}Response xmlns="${xmlNamespace}"><${name}Result>${outputXml(operation, output)}</${name}Result>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${name}Response>`,
        requestId,
      );
    },
    encodeError(error: ServiceError, requestId: string) {
      return xmlReply(
        error.status,
        `<ErrorResponse xmlns="${xmlNamespace}"><Error><Type>${error.fault}</Type>` +
          `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`,
        requestId,
      );
    },
  };
}

/** ec2Query: members straight under `<OpResponse>`, lists as `<item>`, errors in `<Response><Errors>`. */
export function ec2Query(xmlNamespace: string): ProtocolCodec {
  return {
    decode: (operation, body) => decodeQuery(shapeOf(operation[4]), queryParams(body), { ec2: true }) ?? {},
    encode(operation, output, requestId) {
      const name = operation[2];
      return xmlReply(
        200,
        `<${name}Response xmlns="${xmlNamespace}"><requestId>${requestId}</requestId>` +
          `${outputXml(operation, output)}</${name}Response>`,
        requestId,
      );
    },
    encodeError(error: ServiceError, requestId: string) {
      return xmlReply(
        error.status,
        `<Response><Errors><Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>` +
          `</Error></Errors><RequestID>${requestId}</RequestID></Response>`,
        requestId,
      );
    },
  };
}
