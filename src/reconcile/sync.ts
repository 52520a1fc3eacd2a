// The sync hook: resolve -> validate -> plan -> render -> status, all pure. When the desired
// state cannot be trusted, the observed children are returned unchanged (the freeze rule):
// a child missing from the response would be deleted, PVCs included. The same holds when the
// rendered children would drop an observed object the plan did not mean to remove.
import type { HookRequest, SyncResponse } from '../api/hook.js';
import { errorMessage, guarded } from './boundary.js';
import { unplannedMessage, unplannedRemovals } from './invariant.js';
import { asDesired, observedChildren } from './observed.js';
import { plan } from './plan.js';
import { renderChildren } from './render/children.js';
import { resolve, type ReconcileOptions, type Resolved } from './resolve.js';
import { clusterStatus, frozenStatus } from './status.js';
import { asValid, validate, type Problem } from './validate.js';

export function frozen(request: HookRequest, resolved: Resolved, problems: Problem[], reason: string, message: string): SyncResponse {
  return {
    status: frozenStatus(resolved, problems, reason, message),
    children: observedChildren(request.children).map(asDesired),
  };
}

export function sync(request: HookRequest, options: ReconcileOptions): SyncResponse {
  return guarded(request, () => reconcile(request, options));
}

function reconcile(request: HookRequest, options: ReconcileOptions): SyncResponse {
  const resolved = resolve(request, options);
  const problems = validate(resolved);
  const valid = asValid(resolved, problems);
  if (!valid) {
    return frozen(
      request,
      resolved,
      problems,
      'Invalid',
      'reconciliation is paused until the spec is valid: existing objects are left as they are',
    );
  }
  try {
    const planned = plan(valid);
    const rendered = renderChildren(valid, planned);
    const removals = unplannedRemovals(valid, planned, rendered.storage, rendered.children);
    if (removals.length > 0) return frozen(request, resolved, [], 'UnplannedRemoval', unplannedMessage(removals));
    return { status: clusterStatus(valid, planned, rendered), children: rendered.children };
  } catch (error) {
    // A defect must not delete anything: keep what exists and say what went wrong.
    return frozen(request, resolved, [], 'ReconcileError', errorMessage(error));
  }
}
