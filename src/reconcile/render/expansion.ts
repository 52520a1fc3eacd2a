// Growing a member's PVC in place: whether the API server would accept a bigger request (its
// PersistentVolumeClaimResize admission wants the claim's StorageClass to allow expansion), and
// how far a resize has come, read from the observed claim alone.
import type { KubeObject } from '../../api/meta.js';
import { compareQuantities } from '../quantity.js';

/** The class annotation that, where present, outranks spec.storageClassName (as the API server reads it). */
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

interface ClaimCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

interface ObservedClaim {
  spec?: { storageClassName?: string; resources?: { requests?: { storage?: string } } };
  status?: {
    phase?: string;
    capacity?: { storage?: string };
    conditions?: ClaimCondition[];
    allocatedResourceStatuses?: Record<string, string>;
  };
}

const claimOf = (pvc: KubeObject) => pvc as unknown as ObservedClaim;

/** The StorageClass the API server judges the claim by; admission has filled in the default class. */
export function claimStorageClass(pvc: KubeObject): string {
  return pvc.metadata.annotations?.[BETA_CLASS_ANNOTATION] ?? claimOf(pvc).spec?.storageClassName ?? '';
}

/**
 * Why the API server would refuse a bigger request for pvc, or undefined when it would accept it
 * or the hooks cannot tell. A class the request does not carry counts as able to grow: the
 * hooks then ask as they always did, since a refused write changes nothing and Metacontroller
 * reports it, while holding back would stop every expansion whenever the classes are not sent
 * (a Metacontroller that cannot list them, or a request rendered without them).
 */
export function growthRefusal(pvc: KubeObject, storageClasses: Map<string, KubeObject>): string | undefined {
  const name = claimStorageClass(pvc);
  if (!name) return 'it has no StorageClass, and only claims of a class that allows expansion can grow';
  const storageClass = storageClasses.get(name);
  if (!storageClass) return undefined;
  if ((storageClass as { allowVolumeExpansion?: unknown }).allowVolumeExpansion === true) return undefined;
  return `its StorageClass "${name}" does not set allowVolumeExpansion: true`;
}

/** Whether a bigger request for pvc would be accepted now: only a bound claim's request may change, and only if its class can grow. */
export const mayGrow = (pvc: KubeObject, storageClasses: Map<string, KubeObject>): boolean =>
  claimOf(pvc).status?.phase === 'Bound' && growthRefusal(pvc, storageClasses) === undefined;

export type ResizeState = 'done' | 'expanding' | 'failed' | 'unsupported';

/** Where one member claim stands against the size its role asks for. */
export interface ClaimResize {
  pvc: string;
  state: ResizeState;
  /** The size the role asks for (or the claim's own request, if larger). */
  wanted: string;
  /** The claim's own request, which stays below wanted until the API server accepts the growth. */
  requested?: string;
  capacity: string;
  /** What the claim itself reports: its resize conditions and allocatedResourceStatuses, or why it cannot grow. */
  details: string[];
}

const RESIZE_CONDITIONS = ['Resizing', 'FileSystemResizePending', 'ControllerResizeError', 'NodeResizeError'];
const ERROR_CONDITIONS = ['ControllerResizeError', 'NodeResizeError'];

/**
 * The resize of an observed member claim to wanted (the role's size), or undefined when there is
 * nothing to say: the claim is not bound yet (it is still being made, at the right size) or is
 * being deleted.
 */
export function claimResize(pvc: KubeObject, wanted: string, storageClasses: Map<string, KubeObject>): ClaimResize | undefined {
  const { spec, status } = claimOf(pvc);
  const capacity = status?.capacity?.storage;
  if (pvc.metadata.deletionTimestamp || status?.phase !== 'Bound' || capacity === undefined) return undefined;
  const requested = spec?.resources?.requests?.storage;
  const target = requested !== undefined && compareQuantities(requested, wanted) === 1 ? requested : wanted;
  const base = { pvc: pvc.metadata.name, wanted: target, ...(requested !== undefined ? { requested } : {}), capacity };
  if (compareQuantities(capacity, target) !== -1) return { ...base, state: 'done', details: [] };
  const conditions = (status.conditions ?? []).filter((c) => c.status === 'True' && RESIZE_CONDITIONS.includes(c.type ?? ''));
  const allocation = status.allocatedResourceStatuses?.storage;
  const details = [
    ...conditions.map((c) => [c.type, c.reason, c.message].filter(Boolean).join(': ')),
    ...(allocation ? [`allocatedResourceStatuses.storage: ${allocation}`] : []),
  ];
  const failed = conditions.some((c) => ERROR_CONDITIONS.includes(c.type ?? '')) || allocation?.endsWith('Infeasible') === true;
  if (failed) return { ...base, state: 'failed', details };
  const refusal = requested !== undefined && compareQuantities(requested, target) === -1 ? growthRefusal(pvc, storageClasses) : undefined;
  if (refusal) return { ...base, state: 'unsupported', details: [refusal] };
  return { ...base, state: 'expanding', details };
}
