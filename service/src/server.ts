import { createServer } from 'node:http';
import { createApp } from './app.ts';
import { readBuildInfo } from './build-info.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { drainOnSignals } from './lifecycle/shutdown.ts';
import { createLogger } from './logger.ts';

/** Exit code for a bad configuration (sysexits EX_CONFIG). */
const EXIT_CONFIG = 78;

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`iscoolgpt: invalid configuration: ${err.message}\n`);
  process.exit(EXIT_CONFIG);
}

const logger = createLogger({ level: config.logLevel, secrets: [config.gemini.apiKey] });
process.on('uncaughtException', (err) => {
  logger.fatal({ err }, 'uncaught exception');
  process.exit(1);
});

const build = readBuildInfo(process.env);
const { app, lifecycle } = createApp({ config, logger, build });
const server = createServer(app);
// Behind a load balancer (ALB idle timeout: 60 s), the server must not close idle keep-alive
// connections first, or the balancer may send a request on a closing socket and answer 502.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

server.on('error', (err) => {
  logger.fatal({ err }, 'cannot serve');
  process.exit(1);
});
server.listen(config.port, () => {
  logger.info(
    {
      event: 'listening',
      port: config.port,
      model: config.gemini.model,
      geminiBaseUrl: config.gemini.baseUrl ?? 'google',
      maxConcurrentUpstream: config.maxConcurrentUpstream,
      maxQueue: config.maxQueue,
      ...build,
    },
    'IsCoolGPT listening',
  );
});
drainOnSignals({
  server,
  lifecycle,
  logger,
  graceMs: config.shutdownGraceMs,
  exit: (code) => process.exit(code),
});
