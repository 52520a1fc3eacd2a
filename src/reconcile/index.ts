// The reconciler's entry points: pure functions from a hook request to a hook response.
import type { CustomizeResponse, HookRequest, SyncResponse } from '../api/hook.js';
import type { KubeObject } from '../api/meta.js';
import { asDesired, observedChildren } from './observed.js';

export function customize(_request: { controller: unknown; parent: KubeObject }): CustomizeResponse {
  return { relatedResources: [] };
}

/** Until cluster reconciliation exists, keep every observed child and say so in status. */
export function sync(request: HookRequest): SyncResponse {
  const generation = request.parent.metadata.generation;
  return {
    status: {
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      conditions: [
        {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NotImplemented',
          message: 'cluster reconciliation is not implemented yet; observed children are kept unchanged',
        },
      ],
    },
    children: observedChildren(request.children).map(asDesired),
  };
}

export function finalize(request: HookRequest): SyncResponse {
  return { ...sync(request), finalized: true };
}
