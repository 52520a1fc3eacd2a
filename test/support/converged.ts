// A cluster's sync request once it has converged, for tests and benchmarks that start from a
// running cluster rather than a new one.
import type { KubeDirectorClusterStatus } from '../../src/api/cluster.js';
import type { HookRequest } from '../../src/api/hook.js';
import type { KubeObject } from '../../src/api/meta.js';
import { sync } from '../../src/reconcile/sync.js';
import { pod } from './pods.js';
import { OPTIONS, applied, request, stored } from './requests.js';

/**
 * The sync request of a cluster once its response stops changing: each round sees the children
 * the previous one applied (through store, as an API server keeps them) and every member's pod
 * ready. Undefined when it has not settled within maxRounds.
 */
export function convergedSyncRequest(
  manifest: Record<string, unknown>,
  apps: KubeObject[],
  { maxRounds, store = (child: KubeObject) => child }: { maxRounds: number; store?: (child: KubeObject) => KubeObject },
): HookRequest | undefined {
  let children: KubeObject[] = [];
  let pods: KubeObject[] = [];
  let status: KubeDirectorClusterStatus | undefined;
  for (let round = 0; round < maxRounds; round++) {
    const next = request({ parent: stored(manifest, status ? { status } : {}), apps, children, pods });
    const response = sync(next, OPTIONS);
    if (JSON.stringify(response.status) === JSON.stringify(status)) return next;
    children = response.children.map((child) => store(applied(child)));
    status = response.status;
    pods = (status.roles ?? []).flatMap((r) => r.members.map((m) => pod(m.pod)));
  }
  return undefined;
}
