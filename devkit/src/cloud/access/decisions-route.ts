/**
 * The local cloud's IAM decisions over HTTP, for `devkit iam` and the deploy side:
 *   GET /_devkit/iam/decisions[?denied=1&limit=N]    recent decisions on role sessions' calls
 *   GET /_devkit/iam/decisions/<request-id>           one decision: which statement decided, the inputs
 *   GET /_devkit/iam/least-privilege                   roles whose sessions made calls
 *   GET /_devkit/iam/least-privilege/<role-name>       the minimal policy for what the role used
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessControl } from './enforcement.ts';

export const IAM_ROUTE_PREFIX = '/_devkit/iam/';

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body, null, 2));
}

export function decisionsRoute(access: AccessControl) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const [path = '', query = ''] = (req.url ?? '').split('?', 2);
    if (req.method !== 'GET' || !path.startsWith(IAM_ROUTE_PREFIX)) return false;
    const [kind, ...rest] = path.slice(IAM_ROUTE_PREFIX.length).split('/');
    let id: string;
    try {
      id = decodeURIComponent(rest.join('/'));
    } catch {
      id = rest.join('/');
    }
    const params = new URLSearchParams(query);
    if (kind === 'decisions' && id === '') {
      const limit = Math.min(Math.max(Number(params.get('limit')) || 50, 1), 1000);
      const deniedOnly = params.get('denied') === '1';
      reply(res, 200, {
        enforced: access.enforced,
        decisions: access.recentDecisions(limit, { deniedOnly }),
      });
    } else if (kind === 'decisions') {
      const decision = access.decision(id);
      if (decision) reply(res, 200, decision);
      else
        reply(res, 404, {
          error: `no decision kept for request ${id} (the cloud keeps the most recent 1000)`,
        });
    } else if (kind === 'least-privilege' && id === '') {
      reply(res, 200, { roles: access.usedRoles() });
    } else if (kind === 'least-privilege') {
      const policy = access.usedPolicy(id);
      if (policy) reply(res, 200, { role: id, policy });
      else reply(res, 404, { error: `no call by a session of role ${id} was seen since the cloud started` });
    } else {
      reply(res, 404, { error: `unknown path ${path}` });
    }
    return true;
  };
}
