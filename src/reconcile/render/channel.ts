// The member channel's children and pod parts: one ServiceAccount, Role and RoleBinding per
// cluster for the member sidecars, one Lease per member where its sidecar reports progress, and
// the sidecar container itself. The Role names every object it grants (resourceNames), so a
// member's token reads its own cluster's ConfigMap and Secret and writes its cluster's Leases,
// and nothing else.
import type { ILease } from 'kubernetes-models/coordination.k8s.io/v1';
import type { IPolicyRule, IRole, IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import type { IContainer, IServiceAccount, IVolume } from 'kubernetes-models/v1';
import type { KubeObject } from '../../api/meta.js';
import { CHANNEL_MOUNT, CHANNEL_VOLUME } from '../../guest/index.js';
import { clusterLabels, mergeMaps, roleLabels, type LabelContext } from '../labels.js';
import { memberAccountName, memberLeaseName } from '../names.js';
import type { Plan } from '../plan.js';
import type { Valid } from '../validate.js';

/** The sidecar's container name. */
export const SIDECAR_CONTAINER = 'kd-member';
/** The projected API credentials, mounted in the sidecar only. */
export const TOKEN_VOLUME = 'kd-token';
const TOKEN_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** What the API server defaults a projected token's lifetime to; spelled out so the rendered template matches the stored one. */
const TOKEN_SECONDS = 3607;
/** The ConfigMap and Secret (1 MiB each at most) twice over while a new version replaces the old, with room to spare. */
const CHANNEL_SIZE = '16Mi';

/** Where the sidecar reads and writes, as the pod template and the Role both need it. */
export interface ChannelNames {
  account: string;
  configMap: string;
  secret: string;
}

export const channelNames = (resolved: Valid): ChannelNames => ({
  account: memberAccountName(resolved.identity),
  configMap: resolved.published.name,
  secret: resolved.secretName,
});

function rules(names: ChannelNames, leases: string[]): IPolicyRule[] {
  const own: IPolicyRule[] = [
    { apiGroups: [''], resources: ['configmaps'], resourceNames: [names.configMap], verbs: ['get', 'watch'] },
    { apiGroups: [''], resources: ['secrets'], resourceNames: [names.secret], verbs: ['get', 'watch'] },
  ];
  // An empty resourceNames would grant every Lease in the namespace: no members, no rule.
  if (leases.length > 0) {
    own.push({ apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: leases, verbs: ['get', 'update', 'patch'] });
  }
  return own;
}

/** The ServiceAccount, Role, RoleBinding and member Leases of a cluster. */
export function channelChildren(resolved: Valid, plan: Plan, context: LabelContext): KubeObject[] {
  const names = channelNames(resolved);
  const namespace = resolved.namespace;
  const labels = mergeMaps(clusterLabels(context));
  const meta = { name: names.account, namespace, labels };
  const members = plan.roles.flatMap((role) => role.members.map((member) => ({ role: role.id, pod: member.status.pod })));
  const leases = members.map((m) => memberLeaseName(m.pod)).sort();
  // Roles that run as an account of the user's choice: their sidecars use that account's token.
  const userAccounts = [...new Set(resolved.spec.roles.flatMap((r) => (r.serviceAccountName ? [r.serviceAccountName] : [])))].sort();

  const account: IServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta, automountServiceAccountToken: false };
  const role: IRole = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta, rules: rules(names, leases) };
  const binding: IRoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: names.account },
    subjects: [names.account, ...userAccounts].map((name) => ({ kind: 'ServiceAccount', name, namespace })),
  };
  const memberLeases = members.map((m): ILease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: memberLeaseName(m.pod), namespace, labels: mergeMaps(roleLabels(context, m.role)) },
    spec: {},
  }));
  return [account, role, binding, ...memberLeases] as KubeObject[];
}

/** The channel's volumes: the shared directory, and the API credentials the sidecar alone mounts. */
export function channelVolumes(): IVolume[] {
  return [
    { name: CHANNEL_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: CHANNEL_SIZE } },
    {
      name: TOKEN_VOLUME,
      projected: {
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: TOKEN_SECONDS } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
  ];
}

const field = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } });

/** The member sidecar: the hook server's image running its member program, unprivileged and read-only. */
export function sidecarContainer(image: string, names: ChannelNames): IContainer {
  return {
    name: SIDECAR_CONTAINER,
    image,
    args: ['dist/member/main.js'],
    env: [
      field('KD_NAMESPACE', 'metadata.namespace'),
      field('KD_POD_NAME', 'metadata.name'),
      field('KD_POD_UID', 'metadata.uid'),
      field('KD_LEASE', 'metadata.name'),
      { name: 'KD_CONFIGMAP', value: names.configMap },
      { name: 'KD_SECRET', value: names.secret },
      { name: 'KD_CHANNEL_DIR', value: CHANNEL_MOUNT },
    ],
    resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    volumeMounts: [
      { name: CHANNEL_VOLUME, mountPath: CHANNEL_MOUNT },
      { name: TOKEN_VOLUME, mountPath: TOKEN_MOUNT, readOnly: true },
    ],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    // No readiness probe: the sidecar never makes its member NotReady.
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}
