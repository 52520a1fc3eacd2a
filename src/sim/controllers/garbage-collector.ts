// The garbage collector, background propagation: an object whose owners are all gone is
// deleted; owner references to objects that are gone are dropped while another owner remains.
import type { ApiServer } from '../apiserver.js';
import { namespaceOf } from '../objects.js';

export function collectGarbage(api: ApiServer, report: (message: string) => void): void {
  // Deleting an owner can orphan further dependents, so repeat until nothing is left to do.
  for (let progress = true; progress;) {
    progress = false;
    for (const obj of api.all()) {
      const refs = obj.metadata.ownerReferences ?? [];
      if (!refs.length || obj.metadata.deletionTimestamp) continue;
      const live = refs.filter((ref) => api.exists(ref.uid));
      if (live.length === refs.length) continue;
      try {
        if (live.length) api.update({ ...obj, metadata: { ...obj.metadata, ownerReferences: live } });
        else api.delete(obj.kind, namespaceOf(obj), obj.metadata.name);
        progress = true;
      } catch (error) {
        report(`${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}: ${(error as Error).message}`);
      }
    }
  }
}
