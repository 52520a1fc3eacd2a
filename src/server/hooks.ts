// POST /customize, /sync and /finalize: thin adapters from HTTP to the pure reconciler.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CustomizeRequest, SyncRequest, type HookRequest, type SyncRequestBody } from '../api/hook.js';
import { customize, finalize, sync, type ReconcileOptions } from '../reconcile/index.js';
import type { HookMetrics } from './metrics.js';

/** The request as the reconciler takes it, with v2's optional maps filled in. */
function hookRequest(body: SyncRequestBody, finalizing: boolean): HookRequest {
  return {
    controller: body.controller,
    parent: body.parent,
    children: body.children ?? {},
    related: body.related ?? {},
    finalizing,
  };
}

export const hookRoutes: FastifyPluginAsyncTypebox<ReconcileOptions & { metrics: HookMetrics }> = async (app, options) => {
  const { metrics } = options;
  const reconcile: ReconcileOptions = { systemNamespace: options.systemNamespace, memberImage: options.memberImage };
  // Every log line about a hook call names its parent, rejected calls included when the body parsed.
  app.addHook('preValidation', async (request, reply) => {
    const metadata = (request.body as { parent?: { metadata?: { namespace?: unknown; name?: unknown } } } | undefined)?.parent?.metadata;
    if (metadata && typeof metadata.name === 'string') {
      request.log = request.log.child({ parent: `${typeof metadata.namespace === 'string' ? metadata.namespace : ''}/${metadata.name}` });
      reply.log = request.log;
    }
  });

  app.post('/customize', { schema: { body: CustomizeRequest } }, async (request) => {
    const response = customize(request.body.parent, reconcile);
    request.outcome = { related: response.relatedResources.length };
    return response;
  });

  app.post('/sync', { schema: { body: SyncRequest } }, async (request) => {
    const response = sync(hookRequest(request.body, request.body.finalizing ?? false), reconcile);
    request.outcome = { children: response.children.length };
    metrics.rendered(response.children, response.status.state);
    return response;
  });

  app.post('/finalize', { schema: { body: SyncRequest } }, async (request) => {
    const response = finalize(hookRequest(request.body, true), reconcile);
    request.outcome = { children: response.children.length, finalized: response.finalized };
    metrics.rendered(response.children, response.status.state);
    return response;
  });
};
