// The PersistentVolume controller (bind a claim the round after it appears), the resizer (a larger
// request shows as Resizing for a round, then the capacity catches up) and the pvc-protection controller (a claim being deleted goes only once no
// pod mounts it).
import type { ApiServer } from '../apiserver.js';
import type { Clock } from '../clock.js';
import { PVC_PROTECTION } from '../defaults.js';
import { asClaim, asPod, type PersistentVolumeClaim, type Pod } from '../objects.js';
import { claimNames } from '../pods.js';
import { compareQuantity } from '../quantity.js';

export function stepVolumes(api: ApiServer, clock: Clock, report: (message: string) => void): void {
  const pods = api.list('Pod').map(asPod);
  for (const claim of api.list('PersistentVolumeClaim').map(asClaim)) {
    const where = `PersistentVolumeClaim ${claim.metadata.namespace}/${claim.metadata.name}`;
    try {
      if (claim.metadata.deletionTimestamp) releaseUnused(api, claim, pods);
      else if (claim.status?.phase !== 'Bound') bindIfOld(api, clock, claim);
      else expand(api, clock, claim);
    } catch (error) {
      report(`${where}: ${(error as Error).message}`);
    }
  }
}

function releaseUnused(api: ApiServer, claim: PersistentVolumeClaim, pods: Pod[]): void {
  const inUse = pods.some((pod) => pod.metadata.namespace === claim.metadata.namespace && claimNames(pod).includes(claim.metadata.name));
  const finalizers = claim.metadata.finalizers ?? [];
  if (inUse || !finalizers.includes(PVC_PROTECTION)) return;
  api.update({ ...claim, metadata: { ...claim.metadata, finalizers: finalizers.filter((f) => f !== PVC_PROTECTION) } });
}

/** Claims created in an earlier round get a volume of the requested size. */
function bindIfOld(api: ApiServer, clock: Clock, claim: PersistentVolumeClaim): void {
  if (clock.seconds(claim.metadata.creationTimestamp) >= clock.now) return;
  const annotations = {
    ...claim.metadata.annotations,
    'pv.kubernetes.io/bind-completed': 'yes',
    'pv.kubernetes.io/bound-by-controller': 'yes',
  };
  const bound = api.update({
    ...claim,
    metadata: { ...claim.metadata, annotations },
    spec: { ...claim.spec, volumeName: `pvc-${claim.metadata.uid}` },
  });
  api.updateStatus({
    ...bound,
    // Validation made sure the claim requests storage.
    status: { phase: 'Bound', accessModes: claim.spec.accessModes, capacity: { storage: claim.spec.resources?.requests?.storage } },
  });
}

/**
 * A request above the capacity starts a resize, as the external resizer does: the claim says
 * Resizing (allocatedResourceStatuses ControllerResizeInProgress) for a round, then its capacity
 * is the request and the resize marks go.
 */
function expand(api: ApiServer, clock: Clock, claim: PersistentVolumeClaim): void {
  const requested = claim.spec.resources?.requests?.storage;
  const capacity = claim.status?.capacity?.storage;
  if (requested === undefined || (capacity !== undefined && compareQuantity(requested, capacity) !== 1)) return;
  const { conditions = [], allocatedResourceStatuses = {}, ...status } = claim.status ?? {};
  const others = conditions.filter((c) => c.type !== RESIZING);
  if (!conditions.some((c) => c.type === RESIZING)) {
    const resizing = { type: RESIZING, status: 'True', lastTransitionTime: clock.timestamp() };
    api.updateStatus({
      ...claim,
      status: {
        ...status,
        conditions: [...others, resizing],
        allocatedResources: { ...status.allocatedResources, storage: requested },
        allocatedResourceStatuses: { ...allocatedResourceStatuses, storage: IN_PROGRESS },
      },
    });
    return;
  }
  const { storage: _done, ...otherStatuses } = allocatedResourceStatuses;
  api.updateStatus({
    ...claim,
    status: {
      ...status,
      capacity: { ...status.capacity, storage: requested },
      ...(others.length > 0 ? { conditions: others } : {}),
      ...(Object.keys(otherStatuses).length > 0 ? { allocatedResourceStatuses: otherStatuses } : {}),
    },
  });
}

const RESIZING = 'Resizing';
const IN_PROGRESS = 'ControllerResizeInProgress';
