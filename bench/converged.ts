// Requests as Metacontroller sends them for a converged cluster of a given size, built by
// running the real sync until its response stops changing (children applied, pods ready).
import type { HookRequest } from '../src/api/hook.js';
import type { KubeObject } from '../src/api/meta.js';
import { sync } from '../src/reconcile/sync.js';
import { readYaml } from '../test/support/fixtures.js';
import { pod } from '../test/support/pods.js';
import { catalogObjects } from '../test/support/catalog.js';
import { OPTIONS, applied, request, stored } from '../test/support/requests.js';

/** The sync request of a converged Spark cluster with `members` members in all. */
export function convergedRequest(members: number): HookRequest {
  const manifest = readYaml<{ spec: { roles: { members: number }[] } }>('clusters/spark.yaml');
  manifest.spec.roles[1]!.members = members - 2;
  const apps = catalogObjects('spark');
  let children: KubeObject[] = [];
  let pods: KubeObject[] = [];
  let status: unknown;
  for (let round = 0; round < 10; round++) {
    const next = request({ parent: stored(manifest, status ? { status } : {}), apps, children, pods });
    const response = sync(next, OPTIONS);
    if (JSON.stringify(response.status) === JSON.stringify(status)) return next;
    children = response.children.map((child) => applied(child));
    status = response.status;
    pods = (status as { roles: { members: { pod: string }[] }[] }).roles.flatMap((r) => r.members.map((m) => pod(m.pod)));
  }
  throw new Error(`a ${members}-member cluster did not converge`);
}
