// Storage on a control plane without kubelets or a CSI driver: a default StorageClass that allows
// expansion, a provisioner model that makes a PersistentVolume pre-bound to every pending
// claim, which the real persistentvolume-binder controller then binds, and a resizer model that
// grows a bound claim's volume to its request (what a CSI driver's resizer and the kubelet do).
import { serverSideApplyBody } from '../../../src/sim/metacontroller/children.js';
import type { KubeObject } from '../../../src/sim/objects.js';
import { compareQuantity } from '../../../src/sim/quantity.js';
import type { Kube, Obj } from './kube.js';

/** Named as kind's default class is, which the in-memory simulator assumes too. */
export const STORAGE_CLASS: Obj = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'kubernetes.io/no-provisioner',
  allowVolumeExpansion: true,
  volumeBindingMode: 'Immediate',
  reclaimPolicy: 'Retain',
};

/** A PersistentVolume for every claim in namespace that has none yet. */
export async function provisionVolumes(kube: Kube, namespace: string): Promise<void> {
  for (const claim of await kube.list('v1', 'PersistentVolumeClaim', namespace)) {
    if (claim.spec.volumeName || claim.metadata.deletionTimestamp) continue;
    const name = `pv-${claim.metadata.uid}`;
    if (await kube.get('v1', 'PersistentVolume', undefined, name)) continue;
    await kube.create({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
      spec: {
        capacity: { storage: claim.spec.resources.requests.storage },
        accessModes: claim.spec.accessModes,
        storageClassName: claim.spec.storageClassName,
        volumeMode: claim.spec.volumeMode,
        persistentVolumeReclaimPolicy: 'Retain',
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name: claim.metadata.name, uid: claim.metadata.uid },
        hostPath: { path: `/tmp/kd-test-volumes/${name}` },
      },
    });
  }
}

/**
 * Bound claims in namespace whose request exceeds their capacity: the first call marks them
 * Resizing (allocatedResourceStatuses ControllerResizeInProgress), the next grows the volume and
 * the claim's capacity to the request and clears the marks.
 */
export async function resizeVolumes(kube: Kube, namespace: string): Promise<void> {
  for (const claim of await kube.list('v1', 'PersistentVolumeClaim', namespace)) {
    const requested: string = claim.spec.resources.requests.storage;
    const { status } = claim;
    if (status?.phase !== 'Bound' || !claim.spec.volumeName || compareQuantity(requested, status.capacity?.storage) !== 1) continue;
    const conditions = ((status.conditions ?? []) as Obj[]).filter((c) => c.type !== 'Resizing');
    if (status.allocatedResourceStatuses?.storage !== 'ControllerResizeInProgress') {
      const resizing = { type: 'Resizing', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
      await kube.updateStatus({
        ...claim,
        status: {
          ...status,
          conditions: [...conditions, resizing],
          allocatedResources: { storage: requested },
          allocatedResourceStatuses: { storage: 'ControllerResizeInProgress' },
        },
      });
      continue;
    }
    const volume = await kube.get('v1', 'PersistentVolume', undefined, claim.spec.volumeName);
    if (volume) await kube.update({ ...volume, spec: { ...volume.spec, capacity: { storage: requested } } });
    const { allocatedResourceStatuses: _done, ...rest } = status;
    await kube.updateStatus({ ...claim, status: { ...rest, conditions, capacity: { storage: requested } } });
  }
}

/** A desired child as Metacontroller's server-side-apply strategy sends it, in the parent's namespace. */
export function asMetacontrollerApplies(child: Obj, parent: Obj): Obj {
  // Both are objects as the API server (or a hook) gives them.
  const body = serverSideApplyBody(child as KubeObject, parent as KubeObject);
  body.metadata.namespace = parent.metadata.namespace;
  return body;
}
