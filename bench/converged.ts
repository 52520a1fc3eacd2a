// Requests as Metacontroller sends them for a converged cluster of a given size, built by
// running the real sync until its response stops changing (children applied, pods ready).
import type { HookRequest } from '../src/api/hook.js';
import type { KubeObject } from '../src/api/meta.js';
import { ANNOTATIONS_MAX_BYTES } from '../src/api/bounds.js';
import { LAST_APPLIED } from '../src/reconcile/observed.js';
import { readYaml } from '../test/support/fixtures.js';
import { catalogObjects } from '../test/support/catalog.js';
import { convergedSyncRequest } from '../test/support/converged.js';

/** The sync request of a converged Spark cluster with `members` members in all, named `name` if given. */
export function convergedRequest(members: number, name?: string): HookRequest {
  const manifest = readYaml<{ metadata: { name: string }; spec: { roles: { members: number }[] } }>('clusters/spark.yaml');
  manifest.spec.roles[1]!.members = members - 2;
  if (name) manifest.metadata.name = name;
  const converged = convergedSyncRequest(manifest, catalogObjects('spark'), { maxRounds: 10, store: storable });
  if (!converged) throw new Error(`a ${members}-member cluster did not converge`);
  return converged;
}

/**
 * A child as an API server would store it. Dynamic apply's last-applied annotation copies the whole
 * object, so a ConfigMap beyond 256 KiB cannot carry it: a cluster that large needs server-side
 * apply, which keeps no such annotation.
 */
function storable(child: KubeObject): KubeObject {
  const annotations = child.metadata.annotations ?? {};
  const bytes = Object.entries(annotations).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
  if (bytes <= ANNOTATIONS_MAX_BYTES) return child;
  const { [LAST_APPLIED]: _dropped, ...rest } = annotations;
  return { ...child, metadata: { ...child.metadata, annotations: rest } };
}
