// Entry point of the hook server: settings from the environment, graceful shutdown on SIGTERM.
import { authMethods } from './auth.js';
import type { FastifyInstance } from 'fastify';
import { buildServer } from './app.js';
import { configFromEnv } from './config.js';
import { hookMetrics } from './metrics.js';
import { buildMetricsServer } from './metrics-server.js';

let config;
try {
  config = configFromEnv();
} catch (error) {
  console.error(`invalid configuration: ${(error as Error).message}`);
  process.exit(2);
}

const metrics = hookMetrics();
let app: FastifyInstance;
try {
  app = buildServer({ ...config, metrics });
} catch (error) {
  // A secret or certificate file that cannot be read or is empty.
  console.error(`invalid configuration: ${(error as Error).message}`);
  process.exit(2);
}
let closing = false;
const metricsApp =
  config.metricsPort === undefined ? undefined : buildMetricsServer({ metrics, logLevel: config.logLevel, hooksReady: () => !closing });

async function shutdown(signal: string) {
  app.log.info({ signal }, 'shutting down: finishing in-flight hook calls');
  closing = true;
  try {
    await app.close();
    await metricsApp?.close();
    process.exit(0);
  } catch (error) {
    app.log.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

const methods = authMethods(config.auth);
if (methods.length) app.log.info({ auth: methods, tls: Boolean(config.tls) }, 'hook callers must authenticate');
else app.log.warn({ tls: Boolean(config.tls) }, 'hook calls are not authenticated: set AUTH_TOKEN_FILE (see README)');

try {
  await app.listen({ host: config.host, port: config.port });
  if (metricsApp && config.metricsPort !== undefined) await metricsApp.listen({ host: config.host, port: config.metricsPort });
} catch (error) {
  app.log.error({ err: error }, 'cannot listen');
  process.exit(1);
}
