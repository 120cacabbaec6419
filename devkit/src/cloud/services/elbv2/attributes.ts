/**
 * Load balancer, target group and listener attributes: AWS's keys with their defaults, each value checked
 * as AWS checks it; values are stored as the strings the API speaks.
 */
import { elbError } from './errors.ts';

type Rule =
  | { kind: 'bool' }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'enum'; values: string[] }
  | { kind: 'text' }
  | { kind: 'pattern'; pattern: RegExp; expected: string };

const bool = { kind: 'bool' } as const;
const text = { kind: 'text' } as const;
const int = (min: number, max: number) => ({ kind: 'int', min, max }) as const;
const oneOf = (...values: string[]) => ({ kind: 'enum', values }) as const;
const matching = (pattern: RegExp, expected: string) => ({ kind: 'pattern', pattern, expected }) as const;

/** An Application Load Balancer's attributes: key → [default, rule]. */
const LOAD_BALANCER_ATTRIBUTES: ReadonlyMap<string, readonly [string, Rule]> = new Map([
  ['access_logs.s3.enabled', ['false', bool]],
  ['access_logs.s3.bucket', ['', text]],
  ['access_logs.s3.prefix', ['', text]],
  ['client_keep_alive.seconds', ['3600', int(60, 604800)]],
  ['connection_logs.s3.enabled', ['false', bool]],
  ['connection_logs.s3.bucket', ['', text]],
  ['connection_logs.s3.prefix', ['', text]],
  ['deletion_protection.enabled', ['false', bool]],
  ['idle_timeout.timeout_seconds', ['60', int(1, 4000)]],
  ['routing.http.desync_mitigation_mode', ['defensive', oneOf('monitor', 'defensive', 'strictest')]],
  ['routing.http.drop_invalid_header_fields.enabled', ['false', bool]],
  ['routing.http.preserve_host_header.enabled', ['false', bool]],
  ['routing.http.x_amzn_tls_version_and_cipher_suite.enabled', ['false', bool]],
  ['routing.http.xff_client_port.enabled', ['false', bool]],
  ['routing.http.xff_header_processing.mode', ['append', oneOf('append', 'preserve', 'remove')]],
  ['routing.http2.enabled', ['true', bool]],
  ['waf.fail_open.enabled', ['false', bool]],
  ['zonal_shift.config.enabled', ['false', bool]],
]);

/** An HTTP target group's attributes (ip or instance targets). */
const TARGET_GROUP_ATTRIBUTES: ReadonlyMap<string, readonly [string, Rule]> = new Map([
  ['deregistration_delay.timeout_seconds', ['300', int(0, 3600)]],
  [
    'load_balancing.algorithm.type',
    ['round_robin', oneOf('round_robin', 'least_outstanding_requests', 'weighted_random')],
  ],
  ['load_balancing.algorithm.anomaly_mitigation', ['off', oneOf('on', 'off')]],
  [
    'load_balancing.cross_zone.enabled',
    ['use_load_balancer_configuration', oneOf('true', 'false', 'use_load_balancer_configuration')],
  ],
  ['slow_start.duration_seconds', ['0', int(0, 900)]],
  ['stickiness.enabled', ['false', bool]],
  ['stickiness.type', ['lb_cookie', oneOf('lb_cookie', 'app_cookie')]],
  ['stickiness.lb_cookie.duration_seconds', ['86400', int(1, 604800)]],
  ['stickiness.app_cookie.cookie_name', ['', text]],
  ['stickiness.app_cookie.duration_seconds', ['86400', int(1, 604800)]],
  ['target_group_health.dns_failover.minimum_healthy_targets.count', ['1', text]],
  ['target_group_health.dns_failover.minimum_healthy_targets.percentage', ['off', text]],
  ['target_group_health.unhealthy_state_routing.minimum_healthy_targets.count', ['1', text]],
  ['target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage', ['off', text]],
]);

/** A request header's new name (the header modification attributes): letters, digits, hyphens. */
const headerName = matching(/^[A-Za-z0-9-]{1,40}$/, 'up to 40 letters, digits or hyphens');
/** A response header's value; empty leaves the header out. */
const headerValue = matching(/^[\x20-\x7e]{0,1000}$/, 'up to 1000 printable ASCII characters');

/**
 * An Application Load Balancer listener's attributes (ListenerAttribute in the API reference): the
 * request headers it adds, renamed; the response headers it sets (none by default).
 */
const LISTENER_ATTRIBUTES: ReadonlyMap<string, readonly [string, Rule]> = new Map([
  ...(
    [
      ['x_amzn_mtls_clientcert_serial_number', 'X-Amzn-Mtls-Clientcert-Serial-Number'],
      ['x_amzn_mtls_clientcert_issuer', 'X-Amzn-Mtls-Clientcert-Issuer'],
      ['x_amzn_mtls_clientcert_subject', 'X-Amzn-Mtls-Clientcert-Subject'],
      ['x_amzn_mtls_clientcert_validity', 'X-Amzn-Mtls-Clientcert-Validity'],
      ['x_amzn_mtls_clientcert_leaf', 'X-Amzn-Mtls-Clientcert-Leaf'],
      ['x_amzn_mtls_clientcert', 'X-Amzn-Mtls-Clientcert'],
      ['x_amzn_tls_version', 'X-Amzn-Tls-Version'],
      ['x_amzn_tls_cipher_suite', 'X-Amzn-Tls-Cipher-Suite'],
    ] as const
  ).map(([key, header]) => [`routing.http.request.${key}.header_name`, [header, headerName]] as const),
  ['routing.http.response.server.enabled', ['true', bool]],
  ['routing.http.response.strict_transport_security.header_value', ['', headerValue]],
  ['routing.http.response.access_control_allow_origin.header_value', ['', headerValue]],
  ['routing.http.response.access_control_allow_methods.header_value', ['', headerValue]],
  ['routing.http.response.access_control_allow_headers.header_value', ['', headerValue]],
  ['routing.http.response.access_control_allow_credentials.header_value', ['', oneOf('', 'true')]],
  ['routing.http.response.access_control_expose_headers.header_value', ['', headerValue]],
  [
    'routing.http.response.access_control_max_age.header_value',
    ['', matching(/^$|^(\d{1,4}|[1-7]\d{4}|8[0-5]\d{3}|86400)$/, 'empty or an integer from 0 to 86400')],
  ],
  ['routing.http.response.content_security_policy.header_value', ['', headerValue]],
  ['routing.http.response.x_content_type_options.header_value', ['', oneOf('', 'nosniff')]],
  [
    'routing.http.response.x_frame_options.header_value',
    [
      '',
      matching(
        /^$|^DENY$|^SAMEORIGIN$|^ALLOW-FROM \S+$/,
        "empty, 'DENY', 'SAMEORIGIN' or 'ALLOW-FROM <uri>'",
      ),
    ],
  ],
] as ReadonlyArray<readonly [string, readonly [string, Rule]]>);

export type AttributeKind = 'Load balancer' | 'Target group' | 'Listener';

const TABLES: Record<AttributeKind, ReadonlyMap<string, readonly [string, Rule]>> = {
  'Load balancer': LOAD_BALANCER_ATTRIBUTES,
  'Target group': TARGET_GROUP_ATTRIBUTES,
  Listener: LISTENER_ATTRIBUTES,
};

export function defaultAttributes(kind: AttributeKind): Record<string, string> {
  return Object.fromEntries([...TABLES[kind]].map(([key, [value]]) => [key, value]));
}

function check(kind: AttributeKind, key: string, value: string): void {
  const entry = TABLES[kind].get(key);
  if (!entry) throw elbError('ValidationError', `${kind} attribute key '${key}' is not recognized`);
  const rule = entry[1];
  const fail = (expected: string) =>
    elbError('ValidationError', `${kind} attribute '${key}' value '${value}' is not valid: ${expected}`);
  if (rule.kind === 'bool' && value !== 'true' && value !== 'false')
    throw fail("it must be 'true' or 'false'");
  if (rule.kind === 'int') {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < rule.min || n > rule.max) {
      throw fail(`it must be an integer from ${rule.min} to ${rule.max}`);
    }
  }
  if (rule.kind === 'enum' && !rule.values.includes(value))
    throw fail(`it must be one of ${rule.values.map((v) => `'${v}'`).join(', ')}`);
  if (rule.kind === 'pattern' && !rule.pattern.test(value)) throw fail(`it must be ${rule.expected}`);
}

/** Sets the attributes once every one is valid (all or nothing), returning the whole set. */
export function modifyAttributes(
  kind: AttributeKind,
  current: Record<string, string>,
  changes: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }>,
): Array<{ Key: string; Value: string }> {
  for (const { Key, Value } of changes) check(kind, Key ?? '', Value ?? '');
  for (const { Key, Value } of changes) current[Key!] = Value ?? '';
  return attributeList(current);
}

export function attributeList(current: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(current).map(([Key, Value]) => ({ Key, Value }));
}
