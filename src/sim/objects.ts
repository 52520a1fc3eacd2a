// The objects the simulator stores, typed: an envelope every kind has, and views of the fields
// its controllers read of Pods, StatefulSets, claims, Services, Secrets and ConfigMaps. Every
// view keeps an index signature, because the API server stores fields the simulator never
// reads and they must pass through untouched; what a view does not name is read as unknown.
import type { KubeObject as ApiObject, ObjectMeta as ApiMeta, OwnerReference } from '../api/meta.js';
import type { LabelSelector } from './selector.js';

export type { OwnerReference };

export interface ObjectMeta extends ApiMeta {
  deletionGracePeriodSeconds?: number;
  [field: string]: unknown;
}

/** Any stored object: the envelope is typed, everything else is read as unknown. */
export interface KubeObject extends ApiObject {
  metadata: ObjectMeta;
}

export interface Container {
  name: string;
  image?: string;
  [field: string]: unknown;
}

export interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string };
  configMap?: { name: string };
  secret?: { secretName: string };
  [field: string]: unknown;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  restartPolicy?: string;
  nodeName?: string;
  terminationGracePeriodSeconds?: number;
  [field: string]: unknown;
}

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

export interface ContainerTerminated {
  exitCode: number;
  reason?: string;
  message?: string;
  signal?: number;
  startedAt?: string;
  finishedAt?: string;
  containerID?: string;
}

export interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: ContainerTerminated;
}

export interface ContainerStatus {
  name: string;
  image?: string;
  containerID?: string;
  restartCount?: number;
  ready: boolean;
  started?: boolean;
  state?: ContainerState;
  lastState?: ContainerState;
  [field: string]: unknown;
}

export interface PodStatus {
  phase?: string;
  reason?: string;
  conditions?: PodCondition[];
  containerStatuses?: ContainerStatus[];
  [field: string]: unknown;
}

export interface Pod extends KubeObject {
  spec: PodSpec;
  status?: PodStatus;
}

/** Metadata of a template inside a StatefulSet. */
export interface TemplateMeta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface PodTemplate {
  metadata?: TemplateMeta;
  spec?: PodSpec;
  [field: string]: unknown;
}

export interface ClaimSpec {
  accessModes?: string[];
  volumeName?: string;
  storageClassName?: string;
  resources?: { requests?: { storage?: string; [resource: string]: unknown }; [field: string]: unknown };
  [field: string]: unknown;
}

export interface ClaimTemplate {
  metadata: TemplateMeta & { name: string };
  spec?: ClaimSpec;
  [field: string]: unknown;
}

export interface StatefulSetSpec {
  /** Defaulted to 1 by the API server. */
  replicas: number;
  ordinals?: { start?: number };
  selector?: LabelSelector;
  template?: PodTemplate;
  serviceName?: string;
  podManagementPolicy?: string;
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  volumeClaimTemplates?: ClaimTemplate[];
  minReadySeconds?: number;
  [field: string]: unknown;
}

export interface StatefulSet extends KubeObject {
  spec: StatefulSetSpec;
  status?: { readyReplicas?: number; currentRevision?: string; [field: string]: unknown };
}

export interface ClaimStatus {
  phase?: string;
  accessModes?: string[];
  capacity?: { storage?: string; [resource: string]: unknown };
  conditions?: { type: string; status: string; lastTransitionTime?: string; [field: string]: unknown }[];
  allocatedResources?: { storage?: string; [resource: string]: unknown };
  allocatedResourceStatuses?: Record<string, string>;
  [field: string]: unknown;
}

export interface PersistentVolumeClaim extends KubeObject {
  spec: ClaimSpec;
  status?: ClaimStatus;
}

export interface ServicePort {
  port: number;
  protocol?: string;
  nodePort?: number;
  targetPort?: number | string;
  [field: string]: unknown;
}

export interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  externalIPs?: string[];
  ports?: ServicePort[];
  [field: string]: unknown;
}

export interface LoadBalancerStatus {
  loadBalancer: { ingress?: { ip?: string; hostname?: string }[] };
}

export interface Service extends KubeObject {
  spec: ServiceSpec;
  status?: Partial<LoadBalancerStatus> & { [field: string]: unknown };
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** The namespace of a stored object: the API server puts every object of these kinds in one. */
export const namespaceOf = (obj: KubeObject): string => obj.metadata.namespace ?? 'default';

/** The uid of a stored object: the API server gave it one. */
export const uidOf = (obj: KubeObject): string => obj.metadata.uid ?? '';

/** An owner reference to a stored object. */
export const referenceTo = (obj: KubeObject): OwnerReference => ({
  apiVersion: obj.apiVersion,
  kind: obj.kind,
  name: obj.metadata.name,
  uid: uidOf(obj),
});

/**
 * Views of a stored object as its kind. The store returns objects of the kind asked for, and
 * the API server has defaulted the spec these views require, so only the kind is checked.
 */
function checkKind(obj: KubeObject, kind: string): void {
  if (obj.kind !== kind) throw new Error(`a ${obj.kind} read as a ${kind}`);
}

export function asPod(obj: KubeObject): Pod {
  checkKind(obj, 'Pod');
  return obj as Pod;
}

export function asStatefulSet(obj: KubeObject): StatefulSet {
  checkKind(obj, 'StatefulSet');
  return obj as StatefulSet;
}

export function asClaim(obj: KubeObject): PersistentVolumeClaim {
  checkKind(obj, 'PersistentVolumeClaim');
  return obj as PersistentVolumeClaim;
}

export function asService(obj: KubeObject): Service {
  checkKind(obj, 'Service');
  return obj as Service;
}

export function asConfigMap(obj: KubeObject): ConfigMap {
  checkKind(obj, 'ConfigMap');
  return obj;
}

export function asSecret(obj: KubeObject): Secret {
  checkKind(obj, 'Secret');
  return obj;
}
