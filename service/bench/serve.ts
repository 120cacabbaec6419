/**
 * The API as server.ts runs it (configuration from the environment, JSON logs to stdout), but bound
 * to 127.0.0.1 on a free port that it reports to the benchmark over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';

const config = loadConfig(process.env);
const logger = createLogger({ level: config.logLevel, secrets: [config.gemini.apiKey] });
const { app } = createApp({ config, logger });
const server = createServer(app);
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
// The benchmark went away (even killed): nothing is left to serve.
process.once('disconnect', () => process.exit(0));
