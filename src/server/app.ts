// The fastify application: hook routes, health endpoints, one log line per hook call,
// and error replies that say what was wrong.
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import type { ServerOptions as TlsServerOptions } from 'node:https';
import { readFileSync } from 'node:fs';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DestinationStream } from 'pino';
import { REQUEST_MAX_DEPTH, nestsDeeperThan } from '../api/bounds.js';
import { DEFAULTS, type ServerConfig } from './config.js';
import { hookRoutes } from './hooks.js';
import { hookMetrics, type HookMetrics, type HookName, type Outcome } from './metrics.js';
import { authCheck } from './auth.js';

export interface ServerOptions extends Partial<ServerConfig> {
  /** Where log lines go (tests capture them); stdout when absent. */
  logStream?: DestinationStream;
  /** Metrics shared with a separate metrics server (METRICS_PORT); a registry of its own when absent. */
  metrics?: HookMetrics;
}

const MAX_REPORTED_ERRORS = 5;
/** A path in an error message is cut here: a key may be as long as the body. */
const MAX_REPORTED_PATH = 200;
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);
/** Routes anyone may GET: the kubelet's probes and the scraper carry no credentials. */
const PUBLIC_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

declare module 'fastify' {
  interface FastifyRequest {
    /** What the hook did, added to the request's log line. */
    outcome?: Record<string, unknown>;
    /** Ends the hook call's metrics. */
    endMetrics?: (outcome: Outcome) => void;
  }
}

const HOOKS = new Set(['/customize', '/sync', '/finalize']);

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function buildServer(options: ServerOptions = {}): FastifyInstance {
  const { logStream, metrics: sharedMetrics, ...config } = options;
  const settings = { ...DEFAULTS, ...config };
  // Checked before listening: a missing or empty secret file stops the server at start.
  const authenticate = authCheck(settings.auth);
  const app = Fastify({
    ...httpsOptions(settings),
    bodyLimit: settings.bodyLimit,
    // One line per hook call, written in onResponse with the parent's name, replaces fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    logger: { level: settings.logLevel, ...(logStream ? { stream: logStream } : {}) },
    schemaErrorFormatter: (errors, dataVar) => {
      // One message per path, capped, so that a huge bad body still gets a short answer.
      const byPath = new Map<string, string>();
      for (const e of errors) if (!byPath.has(e.instancePath)) byPath.set(e.instancePath, e.message ?? 'invalid');
      const lines = [...byPath].map(([path, message]) => `${dataVar}${shorten(path || '/')}: ${message}`);
      const more = lines.length > MAX_REPORTED_ERRORS ? ` (and ${lines.length - MAX_REPORTED_ERRORS} more)` : '';
      return new Error(lines.slice(0, MAX_REPORTED_ERRORS).join('; ') + more);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);

  // Plain JSON.parse so that a syntax error can say where it is.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') {
      done(new HttpError(400, 'request body is empty; a hook request is a JSON object'));
      return;
    }
    if (nestsDeeperThan(body as string, REQUEST_MAX_DEPTH)) {
      done(
        new HttpError(
          400,
          `request body nests objects and arrays deeper than ${REQUEST_MAX_DEPTH} levels, more than the API server accepts`,
        ),
      );
      return;
    }
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`));
    }
  });

  const metrics = sharedMetrics ?? hookMetrics();
  app.addHook('onRequest', async (request) => {
    if (HOOKS.has(request.url)) request.endMetrics = metrics.start(request.url.slice(1) as HookName);
  });

  // Everything but the public GETs needs the caller's credentials, unknown paths included.
  if (authenticate) {
    app.addHook('onRequest', async (request, reply) => {
      const route = request.routeOptions.url;
      if ((request.method === 'GET' || request.method === 'HEAD') && route && PUBLIC_ROUTES.has(route)) return;
      const failure = authenticate(request.raw);
      if (!failure) return;
      request.outcome = { reason: failure };
      return reply
        .code(401)
        .header('www-authenticate', settings.auth.usernameFile ? 'Basic realm="kubedirector-hooks"' : 'Bearer realm="kubedirector-hooks"')
        .send({ error: 'Unauthorized', message: failure });
    });
  }

  app.addHook('onResponse', async (request, reply) => {
    request.endMetrics?.(reply.statusCode >= 500 ? 'error' : reply.statusCode >= 400 ? 'rejected' : 'success');
    const line = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      ...request.outcome,
    };
    if (PROBES.has(request.url)) reply.log.debug(line, 'probe');
    else if (reply.statusCode >= 500) reply.log.error(line, 'hook call failed');
    else if (reply.statusCode >= 400) reply.log.warn(line, 'hook call rejected');
    else reply.log.info(line, 'hook call');
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    request.outcome = { reason: error.message };
    if (status >= 500) request.log.error({ err: error }, 'hook failed');
    return reply
      .code(status)
      .send({ error: errorTitle(status), message: describe(error, request.headers['content-type'], settings.bodyLimit) });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: 'Not Found', message: `no route ${request.method} ${request.url}; hooks are POST /customize, /sync, /finalize` }),
  );

  // While closing, fastify answers 503 to every new request, so /readyz turns unready by itself.
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async () => ({ status: 'ready' }));
  if (settings.metricsPort === undefined) {
    app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  }
  app.register(hookRoutes, { systemNamespace: settings.systemNamespace, memberImage: settings.memberImage, metrics });
  return app;
}

const shorten = (path: string) => (path.length > MAX_REPORTED_PATH ? `${path.slice(0, MAX_REPORTED_PATH)}...` : path);

/**
 * HTTPS when a certificate is configured. A client CA asks callers for a certificate without
 * refusing the handshake: the hook routes answer 401 without a valid one, the probes still answer.
 */
function httpsOptions(settings: ServerConfig): { https?: TlsServerOptions } {
  if (!settings.tls) return {};
  const { certFile, keyFile, clientCaFile } = settings.tls;
  return {
    https: {
      cert: readFileSync(certFile),
      key: readFileSync(keyFile),
      ...(clientCaFile ? { ca: readFileSync(clientCaFile), requestCert: true, rejectUnauthorized: false } : {}),
      minVersion: 'TLSv1.2',
    },
  };
}

function errorTitle(status: number): string {
  if (status === 400) return 'Bad Request';
  if (status === 413) return 'Payload Too Large';
  if (status === 415) return 'Unsupported Media Type';
  return status >= 500 ? 'Internal Server Error' : 'Client Error';
}

function describe(error: FastifyError, contentType: string | undefined, bodyLimit: number): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `request body is larger than the limit of ${bodyLimit} bytes; raise BODY_LIMIT_BYTES`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `content type ${contentType ?? '(none)'} is not supported; send Content-Type: application/json`;
    default:
      return error.message;
  }
}
