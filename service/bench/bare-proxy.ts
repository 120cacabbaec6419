/**
 * The yardstick for the API's CPU per chat request: a bare node:http server that makes the same
 * upstream call (POST :generateContent with the question) and answers the text as JSON, with no
 * framework, validation, logging, retries or SDK. Reports its port over IPC as serve.ts does.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

const upstream = new URL(
  '/v1beta/models/gemini-2.5-flash:generateContent',
  process.env.GEMINI_BASE_URL ?? 'http://127.0.0.1:8080',
);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const { question } = JSON.parse(Buffer.concat(chunks).toString()) as { question: string };
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: question }] }] });
    const call = request(
      upstream,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': process.env.GEMINI_API_KEY ?? '' },
      },
      (reply) => {
        const parts: Buffer[] = [];
        reply.on('data', (chunk: Buffer) => parts.push(chunk));
        reply.on('end', () => {
          const answer = (
            JSON.parse(Buffer.concat(parts).toString()) as {
              candidates: { content: { parts: { text: string }[] } }[];
            }
          ).candidates[0]?.content.parts[0]?.text;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ answer }));
        });
      },
    );
    call.on('error', () => res.writeHead(502).end());
    call.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.once('disconnect', () => process.exit(0));
