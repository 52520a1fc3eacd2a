// The API server's defaulting of the built-in kinds: observed objects carry these fields even
// when the hook never wrote them, which is what Metacontroller's 3-way merge has to live with.
import { isObject, objectAt, objectsAt, stringAt, valueAt, type JsonObject } from './json.js';
import { asSecret, type KubeObject } from './objects.js';
import { defaultService, type ServiceAllocator } from './services.js';

export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
const DEFAULT_STORAGE_CLASS = 'standard';

/** The StorageClass a fresh simulated cluster has: the default one, named as kind's, able to expand. */
export const STANDARD_STORAGE_CLASS: KubeObject = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'rancher.io/local-path',
  allowVolumeExpansion: true,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'Immediate',
};

// Defaulting runs before validation, on objects as clients sent them: the nested fields are
// read as free-form JSON, and a field that holds something unexpected is left for validation.

/** Fills defaults into obj (a create when old is undefined, else an update of old). */
export function applyDefaults(obj: KubeObject, old: KubeObject | undefined, allocator: ServiceAllocator): void {
  switch (obj.kind) {
    case 'Pod':
      within(obj, 'spec', defaultPodSpec);
      if (!old) obj.status = { phase: 'Pending' };
      break;
    case 'StatefulSet':
      within(obj, 'spec', defaultStatefulSetSpec);
      if (!old) obj.status = { replicas: 0, availableReplicas: 0 };
      break;
    case 'PersistentVolumeClaim':
      within(obj, 'spec', (spec) => {
        spec.volumeMode ??= 'Filesystem';
        // The DefaultStorageClass admission plugin.
        if (!old) spec.storageClassName ??= DEFAULT_STORAGE_CLASS;
      });
      if (!old) {
        // The StorageObjectInUseProtection admission plugin.
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

/** Fills obj[key], made an empty object first when absent. */
function within(obj: JsonObject, key: string, fill: (field: JsonObject) => void): void {
  obj[key] ??= {};
  const field = obj[key];
  if (isObject(field)) fill(field);
}

function defaultStatefulSetSpec(spec: JsonObject): void {
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= 'OrderedReady';
  spec.updateStrategy ??= { type: 'RollingUpdate' };
  // Only a rollingUpdate that is there gets its partition; none is added.
  const strategy = objectAt(spec, 'updateStrategy');
  const rollingUpdate = strategy?.type === 'RollingUpdate' ? objectAt(strategy, 'rollingUpdate') : undefined;
  if (rollingUpdate) rollingUpdate.partition ??= 0;
  spec.revisionHistoryLimit ??= 10;
  within(spec, 'persistentVolumeClaimRetentionPolicy', (retention) => {
    retention.whenDeleted ??= 'Retain';
    retention.whenScaled ??= 'Retain';
  });
  within(spec, 'template', (template) => {
    within(template, 'spec', defaultPodSpec);
  });
  for (const claim of objectsAt(spec, 'volumeClaimTemplates')) {
    within(claim, 'spec', (claimSpec) => {
      claimSpec.volumeMode ??= 'Filesystem';
    });
    claim.status ??= { phase: 'Pending' };
  }
}

function defaultPodSpec(spec: JsonObject): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  // The deprecated alias the API server still fills in from serviceAccountName.
  if (typeof spec.serviceAccountName === 'string') spec.serviceAccount ??= spec.serviceAccountName;
  for (const container of [...objectsAt(spec, 'initContainers'), ...objectsAt(spec, 'containers')]) defaultContainer(container);
  for (const volume of objectsAt(spec, 'volumes')) {
    for (const key of ['configMap', 'secret', 'downwardAPI', 'projected']) {
      const source = objectAt(volume, key);
      if (source) source.defaultMode ??= 420;
    }
    for (const item of objectsAt(objectAt(volume, 'downwardAPI') ?? {}, 'items')) {
      const fieldRef = objectAt(item, 'fieldRef');
      if (fieldRef) fieldRef.apiVersion ??= 'v1';
    }
  }
}

function defaultContainer(container: JsonObject): void {
  container.terminationMessagePath ??= '/dev/termination-log';
  container.terminationMessagePolicy ??= 'File';
  container.imagePullPolicy ??= pullPolicy(stringAt(container, 'image') ?? '');
  container.resources ??= {};
  for (const port of objectsAt(container, 'ports')) port.protocol ??= 'TCP';
  for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = objectAt(container, key);
    if (!probe) continue;
    probe.timeoutSeconds ??= 1;
    probe.periodSeconds ??= 10;
    probe.successThreshold ??= 1;
    probe.failureThreshold ??= 3;
    const httpGet = objectAt(probe, 'httpGet');
    if (httpGet) httpGet.scheme ??= 'HTTP';
  }
  for (const env of objectsAt(container, 'env')) {
    const fieldRef = valueAt(env, '.valueFrom.fieldRef');
    if (isObject(fieldRef)) fieldRef.apiVersion ??= 'v1';
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
function defaultSecret(obj: KubeObject): void {
  const secret = asSecret(obj);
  secret.type ??= 'Opaque';
  if (!secret.stringData) return;
  const encoded = Object.entries(secret.stringData).map(([k, v]): [string, string] => [k, Buffer.from(v, 'utf8').toString('base64')]);
  secret.data = { ...secret.data, ...Object.fromEntries(encoded) };
  delete secret.stringData;
}
