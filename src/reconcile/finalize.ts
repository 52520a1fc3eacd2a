// The finalize hook, called once the cluster is being deleted. Every child goes except the
// member PVCs the policy keeps (the default): those are released from the cluster, by
// withdrawing its owner reference, so that garbage collection leaves them alone. Under
// Metacontroller's server-side apply the reference comes back with every apply: the deletion
// then waits, and the status says how to release the PVCs by hand.
import type { HookRequest, SyncResponse } from '../api/hook.js';
import type { KubeObject } from '../api/meta.js';
import { RETENTION_CONDITION, keepsPVCsOnDeletion, retentionCondition, strategyOf } from './apply-strategy.js';
import { guarded } from './boundary.js';
import { asDesired, observedChildren } from './observed.js';
import { resolve, type ReconcileOptions } from './resolve.js';
import { frozenStatus } from './status.js';

function released(pvc: KubeObject, uid: string): KubeObject {
  const desired = asDesired(pvc);
  const owners = (desired.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== uid);
  return { ...desired, metadata: { ...desired.metadata, ownerReferences: owners } };
}

/** An error leaves every child as observed and the teardown unfinished: it is retried. */
export function finalize(request: HookRequest, options: ReconcileOptions): SyncResponse {
  return guarded(request, () => teardown(request, options));
}

function teardown(request: HookRequest, options: ReconcileOptions): SyncResponse {
  const resolved = resolve(request, options);
  const keep = keepsPVCsOnDeletion(resolved);
  const remaining = observedChildren(request.children);
  const pvcs = remaining.filter((child) => child.kind === 'PersistentVolumeClaim');
  const children = keep ? pvcs.map((pvc) => released(pvc, resolved.uid)) : [];
  // Released PVCs stop being children, so an empty set means the teardown is complete.
  const finalized = remaining.length === 0;
  const strategy = strategyOf(resolved);
  const held = keep && pvcs.length > 0 && strategy === 'server-side-apply';
  const what = held
    ? heldMessage(pvcs, resolved.namespace)
    : keep
      ? `${pvcs.length} PVCs being released (kept)`
      : `${pvcs.length} PVCs being deleted`;
  const message = finalized ? 'teardown complete' : `tearing down: ${remaining.length} children left, ${what}`;
  const status = frozenStatus(resolved, [], 'Deleting', message);
  // Once the last child is gone the strategy no longer shows: what was said stands.
  if (!strategy) return { status, children, finalized };
  const conditions = (status.conditions ?? []).filter((c) => c.type !== RETENTION_CONDITION);
  return { status: { ...status, conditions: [...conditions, retentionCondition(resolved)] }, children, finalized };
}

/** What releases the kept PVCs when server-side apply keeps putting the owner reference back. */
function heldMessage(pvcs: KubeObject[], namespace: string): string {
  const names = pvcs.map((pvc) => pvc.metadata.name).join(' ');
  return (
    `${pvcs.length} PVCs kept but still owned by the cluster: Metacontroller's server-side apply puts the owner reference back, ` +
    `so the deletion waits; remove it by hand to finish: kubectl patch pvc ${names} -n ${namespace} --type=json ` +
    `-p '[{"op":"remove","path":"/metadata/ownerReferences"}]'`
  );
}
