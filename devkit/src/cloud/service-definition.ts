import type { AuthorizationCatalogue, RequiredAction } from './access/authorization.ts';
import type { Caller } from './access/caller.ts';
import type { BlobStore } from './registry/blob-store.ts';
import type { SliceJournal, StateStore } from './state/store.ts';

/** The wire protocol a service speaks (checked against each pinned @aws-sdk/client-* package). */
export type Protocol = 'awsJson1_0' | 'awsJson1_1' | 'awsQuery' | 'ec2Query';

/** One value for CloudWatch metrics derived from another service's data (a Logs metric filter's match). */
export interface MetricDatum {
  namespace: string;
  name: string;
  dimensions: Array<{ Name: string; Value: string }>;
  /** Epoch milliseconds. */
  timestamp: number;
  value: number;
  unit: string;
}

export interface RequestContext<S> {
  /** Region from the SigV4 credential scope (us-east-1 when the request is unsigned). */
  region: string;
  accountId: string;
  requestId: string;
  /** The `host:port` the client addressed (its Host header), for endpoints a service hands back. */
  host: string;
  /** This service's state for the request's region (one shared slice for global services). */
  state: S;
  /** The whole store, for the rare operation that reads another service's recorded state. */
  store: StateStore;
  /** Who calls: a role session the local STS issued, or the account's root for other credentials. */
  caller: Caller;
  /** The registry's blobs on disk, which ECR's layer operations share with the registry route. */
  blobs: BlobStore;
  /**
   * Publishes metric values to CloudWatch in the request's region, the way metric filters reach it
   * on AWS (services never import each other: the cloud wires this to the metric store).
   */
  publishMetrics: (data: readonly MetricDatum[]) => void;
  /**
   * IAM's decision on an action the call needs per item it handles (BatchGetSecretValue's
   * GetSecretValue on each secret, which AWS reports in Errors instead of refusing the call): the
   * refusal's sentence when enforcement denies it, else undefined.
   */
  itemRefusal: (need: RequiredAction) => string | undefined;
}

// Handlers are typed with the AWS SDK's own Input/Output shapes at their definition; the table
// that collects them is necessarily looser.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler<I = any, O = any, S = any> = (input: I, ctx: RequestContext<S>) => O | Promise<O>;

export interface ServiceDefinition<S = unknown> {
  /** The SigV4 signing name, which is also how requests are routed (`ecs`, `logs`, `iam`, ...). */
  signingName: string;
  protocol: Protocol;
  /** awsJson: the `X-Amz-Target` prefix before the dot. */
  targetPrefix?: string;
  /** Query protocols (and awsQuery-compatible JSON services): the response's XML namespace. */
  xmlNamespace?: string;
  /**
   * A JSON service AWS moved from awsQuery (its awsQueryCompatible trait: CloudWatch). Newer SDKs
   * send JSON, older clients (the Debian AWS CLI v2.9) still send form-encoded queries: both are
   * answered, and errors carry their query codes in either.
   */
  queryCompatible?: boolean;
  /** The SDK client module: its exported `<Operation>$` schemas define every request and response. */
  schemas: Record<string, unknown>;
  operations: Record<string, Handler<never, unknown, S>>;
  /**
   * The error type this service answers when a request breaks its model's constraints: AWS's
   * services differ (ECS, ECR and CloudWatch Logs: InvalidParameterException; Secrets Manager:
   * ValidationException; IAM and STS: ValidationError; EC2: InvalidParameterValue).
   */
  constraintError: string;
  /** IAM and STS are not regional: one state for all regions. */
  global?: boolean;
  /** A region's state before its first call (EC2's default VPC and zones depend on the region). */
  initialState: (region: string) => S;
  /**
   * What each operation asks of IAM (action, resources, condition keys): every served operation has
   * an entry (a test checks), which the gateway evaluates for role sessions under --enforce-iam.
   */
  authorization?: AuthorizationCatalogue<S>;
  /** Journals changes finely (big state); without it, a change journals the region's whole state. */
  journal?: SliceJournal<S>;
}

/** A service of any state type, as the gateway holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyServiceDefinition = ServiceDefinition<any>;

/** Every operation of the service's AWS model, from the SDK's operation schemas (`[9, namespace, name, ...]`). */
export function modelledOperations(definition: AnyServiceDefinition): string[] {
  return Object.values(definition.schemas)
    .filter((schema): schema is readonly [number, string, string] => Array.isArray(schema) && schema[0] === 9)
    .map((schema) => schema[2])
    .sort();
}

/** Operations that only read; every other call journals its change before it answers. */
export function isReadOnlyOperation(operation: string): boolean {
  return /^(Describe|List|Get|BatchGet|Filter)/.test(operation);
}

/**
 * An SDK input type whose required members `K` are known to be present: the SDK types them as
 * possibly undefined, but the protocol layer rejects requests without them before any handler runs.
 */
export type Checked<T, K extends keyof T> = T & { [P in K]-?: NonNullable<T[P]> };
