// The finalize hook, called once the cluster is being deleted. Every child goes except the
// member PVCs the policy keeps (the default): those are released from the cluster, by
// withdrawing its owner reference, so that garbage collection leaves them alone.
import type { HookRequest, SyncResponse } from '../api/hook.js';
import type { KubeObject } from '../api/meta.js';
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
  const keep = resolved.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted !== 'Delete';
  const remaining = observedChildren(request.children);
  const pvcs = remaining.filter((child) => child.kind === 'PersistentVolumeClaim');
  const children = keep ? pvcs.map((pvc) => released(pvc, resolved.uid)) : [];
  // Released PVCs stop being children, so an empty set means the teardown is complete.
  const finalized = remaining.length === 0;
  const what = keep ? `${pvcs.length} PVCs being released (kept)` : `${pvcs.length} PVCs being deleted`;
  const message = finalized ? 'teardown complete' : `tearing down: ${remaining.length} children left, ${what}`;
  return { status: frozenStatus(resolved, [], 'Deleting', message), children, finalized };
}
