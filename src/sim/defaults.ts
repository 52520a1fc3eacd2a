// The API server's defaulting of the built-in kinds: observed objects carry these fields even
// when the hook never wrote them, which is what Metacontroller's 3-way merge has to live with.
import type { Obj } from './json.js';
import { defaultService, type ServiceAllocator } from './services.js';

export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
const DEFAULT_STORAGE_CLASS = 'standard';

/** Fills defaults into obj (a create when old is undefined, else an update of old). */
export function applyDefaults(obj: Obj, old: Obj | undefined, allocator: ServiceAllocator): void {
  switch (obj.kind) {
    case 'Pod':
      defaultPodSpec((obj.spec ??= {}));
      if (!old) obj.status = { phase: 'Pending' };
      break;
    case 'StatefulSet':
      defaultStatefulSetSpec((obj.spec ??= {}));
      if (!old) obj.status = { replicas: 0, availableReplicas: 0 };
      break;
    case 'PersistentVolumeClaim':
      (obj.spec ??= {}).volumeMode ??= 'Filesystem';
      if (!old) {
        // The DefaultStorageClass and StorageObjectInUseProtection admission plugins.
        obj.spec.storageClassName ??= DEFAULT_STORAGE_CLASS;
        obj.metadata.finalizers = [...new Set([...(obj.metadata.finalizers ?? []), PVC_PROTECTION])];
        obj.status = { phase: 'Pending' };
      }
      break;
    case 'Service':
      defaultService(obj, old, allocator);
      break;
    case 'Secret':
      defaultSecret(obj);
      break;
  }
}

function defaultStatefulSetSpec(spec: Obj): void {
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= 'OrderedReady';
  spec.updateStrategy ??= { type: 'RollingUpdate' };
  // Only a rollingUpdate that is there gets its partition; none is added.
  if (spec.updateStrategy.type === 'RollingUpdate' && spec.updateStrategy.rollingUpdate) spec.updateStrategy.rollingUpdate.partition ??= 0;
  spec.revisionHistoryLimit ??= 10;
  const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {});
  retention.whenDeleted ??= 'Retain';
  retention.whenScaled ??= 'Retain';
  defaultPodSpec(((spec.template ??= {}).spec ??= {}));
  for (const claim of (spec.volumeClaimTemplates ?? []) as Obj[]) {
    (claim.spec ??= {}).volumeMode ??= 'Filesystem';
    claim.status ??= { phase: 'Pending' };
  }
}

function defaultPodSpec(spec: Obj): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as Obj[]) defaultContainer(container);
  for (const volume of (spec.volumes ?? []) as Obj[]) {
    for (const source of ['configMap', 'secret', 'downwardAPI', 'projected']) if (volume[source]) volume[source].defaultMode ??= 420;
    for (const item of (volume.downwardAPI?.items ?? []) as Obj[]) if (item.fieldRef) item.fieldRef.apiVersion ??= 'v1';
  }
}

function defaultContainer(container: Obj): void {
  container.terminationMessagePath ??= '/dev/termination-log';
  container.terminationMessagePolicy ??= 'File';
  container.imagePullPolicy ??= pullPolicy(String(container.image ?? ''));
  container.resources ??= {};
  for (const port of (container.ports ?? []) as Obj[]) port.protocol ??= 'TCP';
  for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe] as (Obj | undefined)[]) {
    if (!probe) continue;
    probe.timeoutSeconds ??= 1;
    probe.periodSeconds ??= 10;
    probe.successThreshold ??= 1;
    probe.failureThreshold ??= 3;
    if (probe.httpGet) probe.httpGet.scheme ??= 'HTTP';
  }
  for (const env of (container.env ?? []) as Obj[]) {
    if (env.valueFrom?.fieldRef) env.valueFrom.fieldRef.apiVersion ??= 'v1';
    // value is omitempty: an empty one is not stored.
    if (env.value === '') delete env.value;
  }
}

/** Always for `:latest` or untagged images, IfNotPresent otherwise. */
function pullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** stringData is write-only: the API server folds it into data (base64). */
function defaultSecret(secret: Obj): void {
  secret.type ??= 'Opaque';
  if (!secret.stringData) return;
  const encoded = Object.entries(secret.stringData as Record<string, string>).map(([k, v]) => [
    k,
    Buffer.from(v, 'utf8').toString('base64'),
  ]);
  secret.data = { ...secret.data, ...Object.fromEntries(encoded) };
  delete secret.stringData;
}
