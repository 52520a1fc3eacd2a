// Entry point of the hook server: settings from the environment, graceful shutdown on SIGTERM.
import { buildServer } from './app.js';
import { configFromEnv } from './config.js';

let config;
try {
  config = configFromEnv();
} catch (error) {
  console.error(`invalid configuration: ${(error as Error).message}`);
  process.exit(2);
}

const app = buildServer(config);

async function shutdown(signal: string) {
  app.log.info({ signal }, 'shutting down: finishing in-flight hook calls');
  try {
    await app.close();
    process.exit(0);
  } catch (error) {
    app.log.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

try {
  await app.listen({ host: config.host, port: config.port });
} catch (error) {
  app.log.error({ err: error }, 'cannot listen');
  process.exit(1);
}
