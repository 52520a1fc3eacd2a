// The one error boundary of each hook. An exception anywhere (resolve, validate, plan, render,
// status, finalize) must not delete anything: the answer is the observed children as they are,
// the previous status kept, and a Ready condition that says what went wrong. Only when not even
// the observed children can be echoed does the exception reach the server (a 500, after which
// Metacontroller changes nothing and retries).
import type { Condition } from '../api/core.js';
import type { HookRequest, SyncResponse } from '../api/hook.js';
import { asDesired, observedChildren } from './observed.js';
import { priorStatus } from './prior-status.js';
import { newestTime, stampTransitions } from './transition-times.js';

/** What went wrong, in one line. */
export const errorMessage = (error: unknown) =>
  `internal error, existing objects are left as they are: ${error instanceof Error ? error.message : String(error)}`;

/** The frozen answer without any step's help: observed children echoed, previous status plus the error. */
export function emergencyResponse(request: HookRequest, error: unknown): SyncResponse {
  const children = observedChildren(request.children).map(asDesired);
  // The API server stored it under the same schema, so it checks; anything else could not be written back.
  const previous = priorStatus(request.parent.status).status;
  const generation = request.parent.metadata.generation;
  const observed = typeof generation === 'number' ? { observedGeneration: generation } : {};
  const ready: Condition = { type: 'Ready', status: 'False', ...observed, reason: 'ReconcileError', message: errorMessage(error) };
  const kept = (previous.conditions ?? []).filter((c) => c.type !== 'Ready');
  return { status: { ...previous, ...observed, conditions: [ready, ...kept] }, children };
}

/** The response with every condition's lastTransitionTime, from the previous status and the request's newest time. */
function withTransitions(request: HookRequest, response: SyncResponse): SyncResponse {
  const { conditions } = response.status;
  if (!conditions) return response;
  const previous = priorStatus(request.parent.status).status.conditions ?? [];
  return { ...response, status: { ...response.status, conditions: stampTransitions(conditions, previous, newestTime(request)) } };
}

/** Runs a sync or finalize hook inside the boundary. */
export function guarded(request: HookRequest, hook: () => SyncResponse): SyncResponse {
  try {
    const response = withTransitions(request, hook());
    // Serialisation is part of the answer: a response that cannot be written is an error here, not in the server.
    JSON.stringify(response);
    return response;
  } catch (error) {
    return withTransitions(request, emergencyResponse(request, error));
  }
}
