/**
 * Service Connect namespaces as ECS records them. There is no Cloud Map here (no service
 * discovery, no proxy): a namespace comes to exist when a cluster's serviceConnectDefaults names a
 * new one (as ECS creates it in Cloud Map on AWS); services name it by name or ARN, and
 * ListServicesByNamespace finds them across clusters.
 */
import type {
  ListServicesByNamespaceRequest,
  ListServicesByNamespaceResponse,
  ServiceConnectConfiguration,
} from '@aws-sdk/client-ecs';
import { randomBytes } from 'node:crypto';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { arn, paginate } from '../common.ts';
import { InvalidParameterException, NamespaceNotFoundException } from './errors.ts';
import type { ClusterRecord, EcsState, NamespaceRecord } from './state.ts';
import { namespacesOf } from './state.ts';

type Ctx = RequestContext<EcsState>;

const namespaceNotFound = () => new NamespaceNotFoundException('Namespace not found.');

/** Cloud Map's namespace ids: `ns-` and 16 lower-case letters and digits. */
function namespaceId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return `ns-${[...randomBytes(16)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** The namespace a name or ARN refers to, if ECS knows it. */
export function findNamespace(state: EcsState, ref: string): NamespaceRecord | undefined {
  const namespaces = namespacesOf(state);
  return ref.startsWith('arn:') ? Object.values(namespaces).find((n) => n.arn === ref) : namespaces[ref];
}

/**
 * A cluster's default namespace: an existing one by name or ARN, or a new one by a new name.
 * Names are Cloud Map's: up to 1024 characters, none of `<`, `>`, `"` or `/`.
 */
export function namespaceForClusterDefaults(ctx: Ctx, ref: string): NamespaceRecord {
  const existing = findNamespace(ctx.state, ref);
  if (existing) return existing;
  if (ref.startsWith('arn:')) throw namespaceNotFound();
  if (!/^[^<>"/]{1,1024}$/.test(ref)) {
    throw new InvalidParameterException(`The namespace name ${ref} is not valid.`);
  }
  const record = {
    name: ref,
    arn: arn('servicediscovery', ctx.region, ctx.accountId, `namespace/${namespaceId()}`),
  };
  namespacesOf(ctx.state)[ref] = record;
  return record;
}

/**
 * A service's Service Connect configuration as kept: enabled with the namespace's ARN (its own or
 * the cluster's default), or disabled.
 */
export function resolveServiceConnect(
  state: EcsState,
  cluster: ClusterRecord,
  config: ServiceConnectConfiguration,
): ServiceConnectConfiguration {
  if (!config.enabled) return { ...config, enabled: false };
  const ref = config.namespace ?? cluster.serviceConnectNamespace;
  if (ref === undefined) {
    throw new InvalidParameterException(
      "Service Connect requires a namespace: specify one in serviceConnectConfiguration or set the cluster's serviceConnectDefaults.",
    );
  }
  const namespace = findNamespace(state, ref);
  if (!namespace) throw namespaceNotFound();
  return { ...config, namespace: namespace.arn };
}

export const listServicesByNamespace: Handler<
  Checked<ListServicesByNamespaceRequest, 'namespace'>,
  ListServicesByNamespaceResponse,
  EcsState
> = (input, ctx) => {
  const namespace = findNamespace(ctx.state, input.namespace);
  if (!namespace) throw namespaceNotFound();
  const arns = Object.values(ctx.state.services)
    .filter(
      (s) =>
        s.status === 'ACTIVE' &&
        s.serviceConnectConfiguration?.enabled === true &&
        s.serviceConnectConfiguration.namespace === namespace.arn,
    )
    .map((s) => s.serviceArn)
    .sort();
  const { page, nextToken } = paginate(arns, input.maxResults, input.nextToken, 10);
  return { serviceArns: page, nextToken };
};
