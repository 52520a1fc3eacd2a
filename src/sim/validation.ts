// The API server's own validation of the built-in kinds, the part that a hook can trip over:
// names and labels, one controller reference, StatefulSet selectors, and the fields that
// cannot change once an object exists. Each function returns field errors ([] when valid).
import { deepEqual, type JsonObject } from './json.js';
import {
  asClaim,
  asService,
  asStatefulSet,
  type ClaimSpec,
  type KubeObject,
  type PersistentVolumeClaim,
  type StatefulSetSpec,
} from './objects.js';
import { compareQuantity } from './quantity.js';
import { matchesSelector } from './selector.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const STATEFULSET_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

/** Errors of an object being created or updated, whatever its previous state. */
export function objectErrors(obj: KubeObject): string[] {
  const errors = [...nameErrors(obj), ...labelErrors(obj.metadata.labels ?? {})];
  const controllers = (obj.metadata.ownerReferences ?? []).filter((ref) => ref.controller === true);
  if (controllers.length > 1) errors.push(`metadata.ownerReferences: Invalid value: only one reference can have Controller set to true`);
  if (obj.kind === 'StatefulSet') errors.push(...statefulSetErrors(asStatefulSet(obj).spec));
  if (obj.kind === 'PersistentVolumeClaim') errors.push(...claimSpecErrors(asClaim(obj).spec));
  return errors;
}

/** Errors of an update that changes what may not change. */
export function updateErrors(old: KubeObject, obj: KubeObject): string[] {
  switch (obj.kind) {
    case 'StatefulSet':
      return deepEqual(without(asStatefulSet(old).spec, STATEFULSET_MUTABLE), without(asStatefulSet(obj).spec, STATEFULSET_MUTABLE))
        ? []
        : [
            `spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden`,
          ];
    case 'PersistentVolumeClaim':
      return claimUpdateErrors(asClaim(old), asClaim(obj));
    case 'Service': {
      const clusterIP = asService(obj).spec.clusterIP;
      return asService(old).spec.clusterIP === clusterIP
        ? []
        : [`spec.clusterIP: Invalid value: "${String(clusterIP)}": field is immutable`];
    }
    default:
      return [];
  }
}

function nameErrors(obj: KubeObject): string[] {
  // As the client sent it, which may be no string at all.
  const sent: unknown = obj.metadata.name;
  const name = typeof sent === 'string' ? sent : sent === undefined || sent === null ? '' : JSON.stringify(sent);
  if (!name) return ['metadata.name: Required value: name or generateName is required'];
  if (obj.kind === 'Service') {
    return name.length <= 63 && DNS_LABEL_1035.test(name)
      ? []
      : [
          `metadata.name: Invalid value: "${name}": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, end with an alphanumeric character, and be at most 63 characters`,
        ];
  }
  return name.length <= 253 && DNS_SUBDOMAIN.test(name)
    ? []
    : [
        `metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      ];
}

function labelErrors(labels: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = key.slice(slash + 1);
    const validKey =
      name.length <= 63 && LABEL_NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
    if (!validKey) errors.push(`metadata.labels: Invalid value: "${key}": not a valid label key`);
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      errors.push(
        `metadata.labels: Invalid value: "${String(value)}": a valid label must be an empty string or consist of at most 63 alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      );
    }
  }
  return errors;
}

function statefulSetErrors(spec: StatefulSetSpec): string[] {
  const selector = spec.selector;
  if (!selector || (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length)) {
    return ['spec.selector: Invalid value: "null": empty selector is invalid for statefulset'];
  }
  return matchesSelector(selector, spec.template?.metadata?.labels)
    ? []
    : ['spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`'];
}

function claimSpecErrors(spec: ClaimSpec): string[] {
  const errors: string[] = [];
  if (!(spec.accessModes ?? []).length) errors.push('spec.accessModes: Required value: at least 1 access mode is required');
  if (spec.resources?.requests?.storage === undefined) errors.push('spec.resources[storage]: Required value');
  return errors;
}

/** Only a bound claim's requested storage may change, and only upwards; volumeName is set once by the binder. */
function claimUpdateErrors(old: PersistentVolumeClaim, obj: PersistentVolumeClaim): string[] {
  const requests = (claim: PersistentVolumeClaim) => claim.spec.resources?.requests ?? {};
  const immutable =
    'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';
  const rebound = Boolean(old.spec.volumeName) && old.spec.volumeName !== obj.spec.volumeName;
  const otherFields = (spec: ClaimSpec) => ({
    ...without(spec, ['resources', 'volumeName']),
    resources: without(spec.resources ?? {}, ['requests']),
  });
  if (rebound || !deepEqual(otherFields(old.spec), otherFields(obj.spec))) return [immutable];
  if (deepEqual(requests(old), requests(obj))) return [];
  if (old.status?.phase !== 'Bound') return [immutable];
  return compareQuantity(requests(obj).storage, requests(old).storage) === -1
    ? ['spec.resources.requests.storage: Forbidden: field can not be less than previous value']
    : [];
}

function without(obj: JsonObject, keys: string[]): JsonObject {
  return Object.fromEntries(Object.entries(obj).filter(([key]) => !keys.includes(key)));
}

const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
const claimClass = (claim: KubeObject) => claim.metadata.annotations?.[BETA_CLASS_ANNOTATION] ?? asClaim(claim).spec.storageClassName ?? '';

/**
 * Why the PersistentVolumeClaimResize admission plugin refuses an update of old to obj, if it
 * does: a bigger request needs a bound claim whose StorageClass (the same before and after)
 * exists and sets allowVolumeExpansion: true.
 */
export function claimResizeRefusal(
  old: KubeObject,
  obj: KubeObject,
  storageClass: (name: string) => KubeObject | undefined,
): string | undefined {
  const size = (claim: KubeObject) => asClaim(claim).spec.resources?.requests?.storage;
  if (compareQuantity(size(obj), size(old)) !== 1) return undefined;
  if (asClaim(old).status?.phase !== 'Bound') return 'Only bound persistent volume claims can be expanded';
  const name = claimClass(obj);
  const allowed = name !== '' && name === claimClass(old) && storageClass(name)?.allowVolumeExpansion === true;
  return allowed
    ? undefined
    : 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize';
}
