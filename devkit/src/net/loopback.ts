/**
 * `*.localhost` names are the loopback (RFC 6761): curl and browsers resolve them so, and the local
 * cloud's load balancers are named `<name>-<id>.<region>.elb.localhost`. Node's resolver asks DNS
 * instead and fails, so the devkit resolves them itself, to 127.0.0.1 where the listeners bind.
 */
export function reachableUrl(url: string | URL, path = ''): URL {
  const resolved = new URL(path, url);
  if (resolved.hostname === 'localhost' || resolved.hostname.endsWith('.localhost'))
    resolved.hostname = '127.0.0.1';
  return resolved;
}
