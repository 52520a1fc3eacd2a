// Deterministic names of everything a cluster owns. Upstream KubeDirector used generateName
// (random suffixes); here the UID scheme's suffix is a hash of the cluster uid, so the same
// cluster always gets the same names, and names recorded in status are reused as they are.
import { createHash } from 'node:crypto';
import type { NamingScheme } from '../api/cluster.js';

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SUFFIX_LENGTH = 5;
/** Upstream's limit for names built from the cluster and role, leaving room for pod ordinals and revision hashes. */
const NAME_LENGTH_LIMIT = 46;

export function uidSuffix(uid: string, salt: string): string {
  const digest = createHash('sha256').update(`${uid}/${salt}`).digest();
  return Array.from(digest.subarray(0, SUFFIX_LENGTH), (byte) => SUFFIX_ALPHABET[byte % SUFFIX_ALPHABET.length]).join('');
}

/** Upstream's name munging: lower case, '.' and '_' become '-', at most 46 characters; a leading digit gets a prefix (Service names must start with a letter). */
export function mungName(name: string): string {
  let munged = name.toLowerCase().replace(/[._]/g, '-').slice(0, NAME_LENGTH_LIMIT).replace(/-+$/, '');
  if (!/^[a-z]/.test(munged)) munged = `kd-${munged}`.slice(0, NAME_LENGTH_LIMIT).replace(/-+$/, '');
  return munged;
}

export interface ClusterIdentity {
  name: string;
  uid: string;
  scheme: NamingScheme;
}

export function headlessServiceName({ name, uid, scheme }: ClusterIdentity): string {
  return scheme === 'CrNameRole' ? mungName(name) : `kdhs-${uidSuffix(uid, 'headless')}`;
}

export function statefulSetName({ name, uid, scheme }: ClusterIdentity, role: string): string {
  return scheme === 'CrNameRole' ? mungName(`${name}-${role}`) : `kdss-${uidSuffix(uid, `role/${role}`)}`;
}

export const podName = (statefulSet: string, ordinal: number) => `${statefulSet}-${ordinal}`;

/** The ordinal of a StatefulSet pod name, or undefined when the name is not one of its pods. */
export function podOrdinal(statefulSet: string, pod: string): number | undefined {
  const match = /^(\d+)$/.exec(pod.startsWith(`${statefulSet}-`) ? pod.slice(statefulSet.length + 1) : '');
  return match ? Number(match[1]) : undefined;
}

export const memberServiceName = (scheme: NamingScheme, pod: string) => (scheme === 'CrNameRole' ? pod : `s-${pod}`);

/** The claim template names, as the StatefulSet controller derives PVC names from them. */
export const DATA_CLAIM = 'p';
export const blockClaim = (device: number) => `b${device}`;
export const claimName = (template: string, pod: string) => `${template}-${pod}`;

/** The member FQDN every other member can resolve. */
export const memberFqdn = (pod: string, headless: string, namespace: string, domainBase: string) =>
  `${pod}.${headless}.${namespace}${domainBase}`;

/** The ConfigMap every member mounts (configmeta, membership files, the agent). */
export const configMapName = ({ name, uid, scheme }: ClusterIdentity) =>
  scheme === 'CrNameRole' ? `${mungName(name)}-kdconfig` : `kdcm-${uidSuffix(uid, 'config')}`;

/** The Secret every member mounts (secret keys, connected secrets). */
export const secretName = ({ name, uid, scheme }: ClusterIdentity) =>
  scheme === 'CrNameRole' ? `${mungName(name)}-kdsecret` : `kdsec-${uidSuffix(uid, 'secret')}`;

/** The ServiceAccount, Role and RoleBinding of the cluster's member sidecars. */
export const memberAccountName = ({ name, uid, scheme }: ClusterIdentity) =>
  scheme === 'CrNameRole' ? `${mungName(name)}-kdmember` : `kdmem-${uidSuffix(uid, 'member')}`;

/** A member's Lease, where its sidecar reports progress: named after the pod. */
export const memberLeaseName = (pod: string) => pod;
