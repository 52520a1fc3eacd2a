// The metrics port (METRICS_PORT): /metrics and the health endpoints, plain HTTP and without
// credentials, so that the hook port can admit Metacontroller alone.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { HookMetrics } from './metrics.js';

export interface MetricsServerOptions {
  metrics: HookMetrics;
  logLevel?: string;
  logStream?: DestinationStream;
  /** False once the hook server is shutting down: /readyz here follows the hooks. */
  hooksReady?: () => boolean;
}

export function buildMetricsServer(options: MetricsServerOptions): FastifyInstance {
  const { metrics, hooksReady = () => true } = options;
  const app = Fastify({
    logController: new LogController({ disableRequestLogging: true }),
    logger: { level: options.logLevel ?? 'info', msgPrefix: 'metrics port: ', ...(options.logStream ? { stream: options.logStream } : {}) },
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => (hooksReady() ? { status: 'ready' } : reply.code(503).send({ status: 'shutting down' })));
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  return app;
}
