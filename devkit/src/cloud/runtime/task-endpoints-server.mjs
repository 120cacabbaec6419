// The task endpoints container (task-endpoints.ts runs it, at 169.254.170.2 on the engine's one
// 169.254.170.0/24 network, as amazon-ecs-local-container-endpoints does). It serves no data of its
// own: it forwards to the local clouds through the Unix sockets they listen on in /sockets, one
// `<cloud-id>@<port>.sock` each:
//   - port 80: the container credentials and task metadata (v4) paths, whose id names the cloud
//     (`/v2/credentials/<cloud-id>.<uuid>`, `/v4/<cloud-id>.<uuid>/task`), rewritten under
//     /_devkit/task-endpoints/ on that cloud;
//   - <port>: that cloud's AWS API as is (the tasks' AWS_ENDPOINT_URL), bytes piped both ways.
// Plain JavaScript with no dependencies: it runs on the base image's Node, whatever its version.
import { createServer, request } from 'node:http';
import { createConnection, createServer as createTcpServer } from 'node:net';
import { readdirSync } from 'node:fs';
import console from 'node:console';
import { setInterval } from 'node:timers';

const DIR = '/sockets';
const SOCKET = /^([0-9a-f-]{36})@(\d{1,5})\.sock$/;
const ENDPOINT = /^\/(v2\/credentials|v4)\/([0-9a-f-]{36})\.([0-9a-f-]{36})(\/[a-z/]*)?$/;
/** cloud id → its socket and the API forwarder listening for it. */
const clouds = new Map();

function scan() {
  let names;
  try {
    names = readdirSync(DIR);
  } catch {
    return;
  }
  const seen = new Set();
  for (const name of names) {
    const match = SOCKET.exec(name);
    if (!match) continue;
    const [, cloudId, port] = match;
    seen.add(cloudId);
    if (clouds.get(cloudId)?.name === name) continue;
    clouds.get(cloudId)?.api.close();
    const socket = `${DIR}/${name}`;
    const api = createTcpServer((client) => {
      const upstream = createConnection(socket);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    api.on('error', (error) => console.error(`api port ${port} for ${cloudId}: ${error.message}`));
    api.listen(Number(port), '0.0.0.0');
    clouds.set(cloudId, { name, socket, api });
  }
  for (const [cloudId, cloud] of clouds) {
    if (seen.has(cloudId)) continue;
    cloud.api.close();
    clouds.delete(cloudId);
  }
}

const endpoints = createServer((req, res) => {
  const match = ENDPOINT.exec(req.url ?? '');
  const cloud = match && clouds.get(match[2]);
  if (!match || !cloud || req.method !== 'GET') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
    return;
  }
  const [, kind, , id, rest = ''] = match;
  const path = `/_devkit/task-endpoints/${kind === 'v4' ? 'v4' : 'credentials'}/${id}${rest}`;
  const upstream = request({ socketPath: cloud.socket, path, method: 'GET' }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.headersSent || res.writeHead(502).end());
  upstream.end();
});

scan();
setInterval(scan, 500);
endpoints.listen(80, '0.0.0.0', () => console.log('task endpoints on :80'));
