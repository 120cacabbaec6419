import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OperationSchema, ProtocolCodec, Reply } from './protocol/codec.ts';
import {
  ec2ValidationMessage,
  hasConstraints,
  typeMismatchMessage,
  validationMessage,
  violations,
} from './protocol/constraints.ts';
import {
  InternalFailure,
  NotImplemented,
  SerializationException,
  ServiceError,
  UnknownOperationException,
  ValidationException,
} from './protocol/errors.ts';
import { awsJson, awsJsonCodec } from './protocol/json.ts';
import { awsQuery, ec2Query } from './protocol/query.ts';
import { checkSessionReach, noteAccessKeyUse, resolveCaller, type Caller } from './access/caller.ts';
import { signedWithSecret } from './access/request-signature.ts';
import type { AccessControl, DenialProtocol } from './access/enforcement.ts';
import type { AnyServiceDefinition, MetricDatum } from './service-definition.ts';
import { isReadOnlyOperation, modelledOperations } from './service-definition.ts';
import { MAX_API_BODY_BYTES, readBody } from './request-body.ts';
import type { BlobStore } from './registry/blob-store.ts';
import type { StateStore } from './state/store.ts';
import { shapeOf } from './protocol/shapes.ts';

export const ACCOUNT_ID = '000000000000';
const DEFAULT_REGION = 'us-east-1';
/** Region names as AWS forms them (`us-east-1`, `us-gov-west-1`, `eu-central-2`); nothing else reaches state. */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/** Something else served on the same endpoint (the ECR registry); returns false to pass. */
export type Route = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface CallRecord {
  service: string;
  operation: string;
  status: number;
  durationMs: number;
  error?: string;
}

interface BoundService {
  definition: AnyServiceDefinition;
  codec: ProtocolCodec;
  /** Every operation of the service's AWS model, served or not. */
  modelled: ReadonlySet<string>;
}

/**
 * Routes AWS API calls to services as AWS's endpoints would: awsJson by the `X-Amz-Target`
 * prefix, query protocols by the SigV4 credential scope's service name (falling back to the
 * `Action` for unsigned requests).
 */
export class Gateway {
  private readonly byTarget = new Map<string, BoundService>();
  private readonly bySigningName = new Map<string, BoundService>();
  private readonly store: StateStore;
  private readonly blobs: BlobStore;
  private readonly routes: Route[];
  private readonly onCall: ((call: CallRecord) => void) | undefined;
  private readonly access: AccessControl | undefined;
  private readonly publishMetrics: ((region: string, data: readonly MetricDatum[]) => void) | undefined;

  constructor(options: {
    services: AnyServiceDefinition[];
    store: StateStore;
    blobs: BlobStore;
    routes?: Route[];
    onCall?: (call: CallRecord) => void;
    /** IAM's decisions on role sessions' calls (enforced or only recorded). */
    access?: AccessControl;
    /** Where metric values derived by a service go (CloudWatch's store); dropped without it. */
    publishMetrics?: (region: string, data: readonly MetricDatum[]) => void;
  }) {
    this.access = options.access;
    this.store = options.store;
    this.publishMetrics = options.publishMetrics;
    this.blobs = options.blobs;
    this.routes = options.routes ?? [];
    this.onCall = options.onCall;
    for (const definition of options.services) {
      for (const operation of Object.keys(definition.operations)) {
        if (!definition.schemas[`${operation}$`]) {
          throw new Error(`${definition.signingName}: no SDK schema for operation ${operation}`);
        }
        if (!hasConstraints(definition.signingName, operation)) {
          throw new Error(
            `${definition.signingName}: ${operation} is not in protocol/aws-constraints.json; run devkit/scripts/generate-constraints.ts`,
          );
        }
      }
      const modelled = new Set(modelledOperations(definition));
      const bound = { definition, codec: codecFor(definition), modelled };
      // Requests without an X-Amz-Target are query requests: a query-compatible service answers them so.
      this.bySigningName.set(
        definition.signingName,
        definition.queryCompatible
          ? { definition, codec: awsQuery(definition.xmlNamespace ?? ''), modelled }
          : bound,
      );
      if (definition.targetPrefix) this.byTarget.set(definition.targetPrefix, bound);
    }
  }

  get services(): AnyServiceDefinition[] {
    return [...this.bySigningName.values()].map((b) => b.definition);
  }

  /** Answers one HTTP request; never rejects (a failure anywhere is the protocol's error reply). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      for (const route of this.routes) if (await route(req, res)) return;
      await this.handleApiCall(req, res);
    } catch (error) {
      console.error('[cloud] request failed:', error);
      send(req, res, awsJson.encodeError(new InternalFailure('Internal error'), randomUUID(), undefined));
    }
  }

  private async handleApiCall(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const started = performance.now();
    const read = await readBody(req);
    if (read.kind === 'incomplete') return;
    if (read.kind === 'undecodable') {
      const error = new ServiceError(read.reason, { code: 'SerializationException' });
      send(
        req,
        res,
        (header(req, 'x-amz-target') ? awsJson : awsQuery('')).encodeError(error, requestId, undefined),
      );
      return;
    }
    const scope = credentialScope(req);
    const target = header(req, 'x-amz-target');
    const body = read.kind === 'complete' ? read.body : '';
    let bound: BoundService | undefined;
    let operation: string;
    if (target) {
      const dot = target.lastIndexOf('.');
      bound = this.byTarget.get(target.slice(0, dot));
      operation = target.slice(dot + 1);
    } else {
      operation = new URLSearchParams(body).get('Action') ?? '';
      bound = scope?.service ? this.bySigningName.get(scope.service) : this.guessByAction(operation);
    }
    const codec = bound?.codec ?? (target ? awsJson : awsQuery('https://amazonaws.com/doc/'));
    let reply: Reply;
    try {
      if (read.kind === 'tooLarge') throw tooLarge();
      if (scope && !REGION.test(scope.region)) throw invalidRegion(scope.region, target !== undefined);
      if (!bound) {
        throw unknownOperation(target ? 'json' : 'query', operation || '(none)', scope?.service);
      }
      const host = header(req, 'host') ?? `${req.socket.localAddress}:${req.socket.localPort}`;
      const protocol = isJson(bound.codec) ? 'json' : 'query';
      const raw = read.kind === 'complete' ? read.raw : Buffer.alloc(0);
      const caller = resolveCaller(
        this.store,
        ACCOUNT_ID,
        {
          accessKeyId: scope?.accessKeyId,
          sessionToken: sessionToken(req),
          signedWith: (secret) =>
            signedWithSecret(
              { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body: raw },
              secret,
            ),
        },
        Date.now(),
        protocol,
      );
      checkSessionReach(caller, bound.definition.signingName, protocol);
      if (caller.kind === 'user' && !caller.session) {
        noteAccessKeyUse(
          caller.user,
          scope!.accessKeyId,
          bound.definition.signingName,
          scope?.region ?? DEFAULT_REGION,
        );
      }
      reply = await this.invoke(bound, operation, body, {
        region: scope?.region ?? DEFAULT_REGION,
        requestId,
        host,
        caller,
        sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, ''),
      });
    } catch (error) {
      const serviceError =
        error instanceof ServiceError
          ? error
          : new InternalFailure(`Internal error: ${(error as Error).message}`);
      if (!(error instanceof ServiceError)) console.error(`[cloud] ${operation} failed:`, error);
      reply = codec.encodeError(serviceError, requestId, operation);
    }
    // The rest of an oversized body is not read: the connection ends with this reply.
    if (read.kind === 'tooLarge') reply.headers.connection = 'close';
    send(req, res, reply);
    this.onCall?.({
      service: bound?.definition.signingName ?? scope?.service ?? 'unknown',
      operation,
      status: reply.status,
      durationMs: performance.now() - started,
      ...(reply.status >= 400 ? { error: reply.body } : {}),
    });
  }

  private async invoke(
    bound: BoundService,
    operation: string,
    body: string,
    request: {
      region: string;
      requestId: string;
      host: string;
      caller: Caller;
      sourceIp: string | undefined;
    },
  ): Promise<Reply> {
    const { sourceIp, ...call } = request;
    const { region, requestId } = call;
    const { definition, codec } = bound;
    const handler = Object.hasOwn(definition.operations, operation)
      ? definition.operations[operation]
      : undefined;
    if (!handler) {
      if (bound.modelled.has(operation)) throw notImplemented(bound, operation);
      throw unknownOperation(isJson(codec) ? 'json' : 'query', operation, definition.signingName);
    }
    const schema = definition.schemas[`${operation}$`] as OperationSchema;
    const input = decode(definition, codec, schema, body);
    checkConstraints(definition, operation, input, isJson(codec));
    const stateRegion = definition.global ? 'global' : region;
    const state = this.store.slice(definition.signingName, stateRegion, () =>
      definition.initialState(stateRegion),
    );
    // IAM decides after the caller is known and the request decoded, before any handler runs.
    this.access?.authorize({
      requestId,
      operation,
      input,
      caller: call.caller,
      region,
      sourceIp,
      catalogue: definition.authorization,
      state,
      protocol: denialProtocol(definition, codec),
    });
    let output: unknown;
    try {
      output = await handler(input as never, {
        ...call,
        accountId: ACCOUNT_ID,
        state,
        store: this.store,
        blobs: this.blobs,
        publishMetrics: (data) => {
          if (data.length > 0) this.publishMetrics?.(region, data);
        },
        itemRefusal: (need) => this.access?.itemRefusal({ ...call, sourceIp }, need),
      });
    } catch (error) {
      // A failed call may still have changed state before it threw; it acknowledges nothing.
      if (!isReadOnlyOperation(operation)) {
        this.store.markDirty(
          definition.signingName,
          stateRegion,
          definition.journal?.changeOf(state, operation, input),
        );
      }
      throw error;
    }
    // A 2xx means the change is on disk; a read waits for what it may have seen to get there too.
    await (isReadOnlyOperation(operation)
      ? this.store.settled()
      : this.store.commit(
          definition.signingName,
          stateRegion,
          definition.journal?.changeOf(state, operation, input),
        ));
    return codec.encode(schema, output, requestId);
  }

  /** An unsigned query request's service: the one serving the action, else one whose model has it. */
  private guessByAction(action: string): BoundService | undefined {
    const query = [...this.bySigningName.values()].filter((bound) => !isJson(bound.codec));
    return (
      query.find((bound) => Object.hasOwn(bound.definition.operations, action)) ??
      query.find((bound) => bound.modelled.has(action))
    );
  }
}

function decode(
  definition: AnyServiceDefinition,
  codec: ProtocolCodec,
  schema: OperationSchema,
  body: string,
): unknown {
  try {
    return codec.decode(schema, body);
  } catch (error) {
    // A missing or null member breaks the model like any constraint: the service's own error type.
    if (error instanceof ValidationException && error.code === 'ValidationException') {
      throw new ServiceError(error.message, { code: definition.constraintError });
    }
    throw error;
  }
}

/** The model's constraints, before any handler: the protocol's or the service's error, as AWS answers. */
function checkConstraints(
  definition: AnyServiceDefinition,
  operation: string,
  input: unknown,
  json: boolean,
): void {
  const found = violations(definition.signingName, operation, input);
  if (found.length === 0) return;
  const typeMismatch = found.find((v) => v.kind === 'type');
  if (typeMismatch && json) {
    throw new SerializationException(typeMismatchMessage(typeMismatch));
  }
  throw new ServiceError(
    definition.protocol === 'ec2Query' ? ec2ValidationMessage(found[0]!) : validationMessage(found),
    { code: definition.constraintError },
  );
}

const jsonCodecs = new WeakSet<ProtocolCodec>([awsJson]);

function isJson(codec: ProtocolCodec): boolean {
  return jsonCodecs.has(codec);
}

function denialProtocol(definition: AnyServiceDefinition, codec: ProtocolCodec): DenialProtocol {
  if (definition.protocol === 'ec2Query') return 'ec2';
  return isJson(codec) ? 'json' : 'query';
}

function codecFor(definition: AnyServiceDefinition): ProtocolCodec {
  switch (definition.protocol) {
    case 'awsJson1_1':
      return awsJson;
    case 'awsJson1_0': {
      const codec = awsJsonCodec('1.0', definition.queryCompatible ? queryErrorNames(definition) : undefined);
      jsonCodecs.add(codec);
      return codec;
    }
    case 'awsQuery':
      return awsQuery(definition.xmlNamespace ?? '');
    case 'ec2Query':
      return ec2Query(definition.xmlNamespace ?? '');
  }
}

/** A query-compatible service's error shapes by their query codes (`InvalidParameterValue` → `InvalidParameterValueException`). */
function queryErrorNames(definition: AnyServiceDefinition): Map<string, string> {
  const names = new Map<string, string>();
  for (const schema of Object.values(definition.schemas)) {
    // Error schemas are `[-3, namespace, name, traits, ...]`.
    if (!Array.isArray(schema) || schema[0] !== -3) continue;
    const traits = shapeOf(schema).getMergedTraits() as { awsQueryError?: [string, number] };
    const code = traits.awsQueryError?.[0];
    // Two shapes may share a code (DashboardNotFoundError and ResourceNotFound): the one named for it wins.
    if (code !== undefined && (!names.has(code) || schema[2] === code)) names.set(code, String(schema[2]));
  }
  return names;
}

/** AWS's answer to an operation name that is none of the service's. */
function unknownOperation(kind: 'json' | 'query', operation: string, service?: string): ServiceError {
  const where = service ? ` (service ${service})` : '';
  if (kind === 'json') {
    return new UnknownOperationException(
      `Operation ${operation} is not an operation of this service${where}.`,
    );
  }
  return new ServiceError(`The action ${operation} is not valid for this web service${where}.`, {
    code: 'InvalidAction',
  });
}

/** A real operation of the service that the local cloud does not serve: which one, and where to look. */
function notImplemented(bound: BoundService, operation: string): ServiceError {
  const { signingName, operations } = bound.definition;
  const served = Object.keys(operations).length;
  return new NotImplemented(
    `${operation} (service ${signingName}) is not implemented by the local cloud: it serves ${served} of ` +
      `${signingName}'s ${bound.modelled.size} operations (README, "AWS operations served").`,
  );
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `Credential=AKID/20250101/us-east-1/ecs/aws4_request` from the header or a presigned query. */
function credentialScope(
  req: IncomingMessage,
): { accessKeyId: string; region: string; service: string } | undefined {
  const auth = header(req, 'authorization') ?? '';
  const fromHeader = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
  const fromQuery = /X-Amz-Credential=([^&%]*)%2F\d{8}%2F([^%&]+)%2F([^%&]+)%2Faws4_request/i.exec(
    req.url ?? '',
  );
  const match = fromHeader ?? fromQuery;
  return match ? { accessKeyId: match[1]!, region: match[2]!, service: match[3]! } : undefined;
}

/** The session token of temporary credentials: a header, or a presigned URL's query. */
function sessionToken(req: IncomingMessage): string | undefined {
  const fromHeader = header(req, 'x-amz-security-token');
  if (fromHeader !== undefined) return fromHeader;
  const query = (req.url ?? '').indexOf('?');
  return query < 0
    ? undefined
    : (new URLSearchParams((req.url ?? '').slice(query + 1)).get('X-Amz-Security-Token') ?? undefined);
}

/** AWS's answer to a signature scoped to a region that is none (`__proto__`, `constructor`, ...). */
function invalidRegion(region: string, json: boolean): ServiceError {
  const shown = region.length > 64 ? `${region.slice(0, 64)}...` : region;
  return new ServiceError(`Credential should be scoped to a valid region, not '${shown}'. `, {
    code: json ? 'InvalidSignatureException' : 'SignatureDoesNotMatch',
    status: 403,
  });
}

function tooLarge(): ServiceError {
  return new ServiceError(`Request body exceeds ${MAX_API_BODY_BYTES} bytes`, {
    code: 'RequestEntityTooLarge',
    status: 413,
  });
}

/** Writes a reply unless the client is gone or something already answered. */
function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed || req.socket.destroyed) {
    reply.stream?.close();
    return;
  }
  if (reply.stream) {
    res.writeHead(reply.status, reply.headers);
    void streamFrames(res, reply.stream);
    return;
  }
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

/**
 * An event-stream response's frames, written as they come, at the pace the client reads them; the
 * client going away stops the stream's source at once, so nothing runs on after a disconnect, and
 * a client that stops reading is dropped when the source's lifetime ends.
 */
async function streamFrames(res: ServerResponse, stream: NonNullable<Reply['stream']>): Promise<void> {
  const gone = new AbortController();
  res.once('close', () => {
    gone.abort();
    stream.close();
  });
  try {
    for await (const frame of stream.frames) {
      if (gone.signal.aborted) break;
      if (!res.write(frame))
        await once(res, 'drain', { signal: AbortSignal.any([gone.signal, stream.signal]) });
    }
    res.end();
  } catch (error) {
    // A client gone, or one that stopped reading past the source's lifetime, is no failure.
    if (!gone.signal.aborted && !stream.signal.aborted) console.error('[cloud] event stream failed:', error);
    res.destroy();
  }
}
