/**
 * The cloud's side of the endpoints container (task-endpoints.ts), on the Unix socket only it
 * reaches: `/_devkit/task-endpoints/credentials/<uuid>` and `/_devkit/task-endpoints/v4/<uuid>[/task|/stats|/task/stats]`
 * answer as the ECS agent's endpoints do; everything else is the AWS API (tasks' AWS_ENDPOINT_URL).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TaskRuntime } from './task-runtime.ts';

const ENDPOINT = /^\/_devkit\/task-endpoints\/(credentials|v4)\/([0-9a-f-]{36})((?:\/task)?(?:\/stats)?)$/;

export function taskEndpointsHandler(
  runtime: TaskRuntime,
  api: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (!req.url?.startsWith('/_devkit/task-endpoints/')) return api(req, res);
    const match = ENDPOINT.exec(req.url);
    const answer = match && runtime.taskEndpoint(match[1] as 'credentials' | 'v4', match[2]!, match[3]!);
    if (!answer) {
      // The agent's answer for an id it does not know.
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          code: 'InvalidIdInRequest',
          message: 'CredentialsV2Request: Credentials not found',
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  };
}
