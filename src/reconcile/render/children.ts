// Step four of sync: every child the cluster should have. PVCs of members that left stay
// children (and so stay in the cluster) unless the retention policy says Delete.
import type { OwnerReference, KubeObject } from '../../api/meta.js';
import { API_VERSION } from '../../api/resources.js';
import { roleLabels, mergeMaps, type LabelContext } from '../labels.js';
import { claimName, podOrdinal } from '../names.js';
import { asDesired } from '../observed.js';
import { isStopped, type Plan, type RolePlan } from '../plan.js';
import type { Resolved } from '../resolve.js';
import { headlessService, memberServices } from './services.js';
import { renderStatefulSet, rendersTemplate, roleTemplate, type RoleTemplate } from './statefulset.js';
import { planRollout, type Rollout } from './rollout.js';
import { memberClaim, planStorage, type RoleStorage } from './storage.js';
import { publish, type Publication } from './config.js';
import { channelChildren } from './channel.js';
import type { Valid } from '../validate.js';

export interface Rendered {
  children: KubeObject[];
  publication: Publication;
  /** Spec changes that cannot take effect yet. */
  deferred: string[];
  /** Each role's storage, as members actually get it. */
  storage: Map<string, RoleStorage>;
  /** Members still on an earlier pod template, and which is replaced next. */
  rollout: Rollout;
}

export const labelContext = (resolved: Resolved): LabelContext => ({
  cluster: resolved.name,
  uid: resolved.uid,
  app: resolved.app?.name ?? resolved.appRef.name,
  appCatalog: resolved.app?.catalog ?? 'local',
});

/** The controller reference Metacontroller puts on children, spelled out so that it can later be withdrawn. */
export const controllerRef = (resolved: Resolved): OwnerReference => ({
  apiVersion: API_VERSION,
  kind: 'KubeDirectorCluster',
  name: resolved.name,
  uid: resolved.uid,
  controller: true,
  blockOwnerDeletion: true,
});

function memberClaims(resolved: Resolved, role: RolePlan, storage: RoleStorage, context: LabelContext): KubeObject[] {
  const labels = mergeMaps(roleLabels(context, role.id));
  return role.members.flatMap((member) =>
    storage.templates.map(
      (template) =>
        memberClaim({
          template,
          wantedSize: storage.sizes.get(template.name) ?? template.size,
          pod: member.status.pod,
          namespace: resolved.namespace,
          labels,
          ownerReference: controllerRef(resolved),
          observed: resolved.observed.pvcs.get(claimName(template.name, member.status.pod)),
          storageClasses: resolved.storageClasses,
        }) as KubeObject,
    ),
  );
}

/** Whether an observed PVC belonged to a member that has left one of the cluster's StatefulSets. */
export function departedMemberClaim(name: string, plan: Plan): boolean {
  return plan.roles.some((role) => {
    const pod = /^(p|b\d+)-(.+)$/.exec(name)?.[2];
    const ordinal = pod ? podOrdinal(role.statefulSet, pod) : undefined;
    return ordinal !== undefined && !role.members.some((m) => m.ordinal === ordinal);
  });
}

export function renderChildren(resolved: Valid, plan: Plan): Rendered {
  const context = labelContext(resolved);
  const deferred: string[] = [];
  const storage = new Map<string, RoleStorage>();
  const templates = new Map<string, RoleTemplate>();
  const roles = plan.roles.map((role) => {
    const hasPods = [...resolved.observed.pods.keys()].some((pod) => pod.startsWith(`${role.statefulSet}-`));
    const planned = planStorage(role, resolved.config.defaultStorageClassName, hasPods);
    storage.set(role.id, planned);
    if (planned.deferred) deferred.push(planned.deferred);
    if (rendersTemplate(role, planned)) templates.set(role.id, roleTemplate(resolved, role, planned, context, plan.clusterService));
    return { role, planned };
  });
  // Every role's template first: which member may be replaced next is decided for the whole cluster.
  const rollout = planRollout(resolved, plan.roles, new Map([...templates].map(([id, t]) => [id, t.hash])));
  const perRole: KubeObject[] = [];
  for (const { role, planned } of roles) {
    const template = templates.get(role.id);
    const partition = rollout.roles.get(role.id)?.partition ?? 0;
    const statefulSet = renderStatefulSet(resolved, role, planned, context, plan.clusterService, template && { template, partition });
    if (statefulSet) perRole.push(statefulSet);
    perRole.push(...memberServices(resolved, role, context, resolved.serviceType));
    perRole.push(...memberClaims(resolved, role, planned, context));
  }
  const publication = publish(resolved, plan, storage, context);
  const children: KubeObject[] = [
    headlessService(resolved, plan.clusterService, context),
    publication.configMap,
    publication.secret,
    ...channelChildren(resolved, plan, context),
    ...perRole,
  ];

  const rendered = new Set(children.filter((c) => c.kind === 'PersistentVolumeClaim').map((c) => c.metadata.name));
  // A stopped cluster deletes no data: its members are all coming back.
  const deleteDeparted = resolved.spec.persistentVolumeClaimRetentionPolicy?.whenScaled === 'Delete' && !isStopped(resolved);
  for (const [name, pvc] of resolved.observed.pvcs) {
    if (rendered.has(name)) continue;
    // Data is deleted only by an explicit policy, and only for members that are gone.
    if (deleteDeparted && departedMemberClaim(name, plan)) continue;
    children.push(asDesired(pvc));
  }
  return { children, publication, deferred, storage, rollout };
}
