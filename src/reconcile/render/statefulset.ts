// One StatefulSet per role. Fields the API server never lets change are returned exactly as
// observed once the StatefulSet exists; a role that left the spec drains to zero, then goes.
import type { IStatefulSet } from 'kubernetes-models/apps/v1';
import type { IPodTemplateSpec } from 'kubernetes-models/v1';
import type { KubeObject } from '../../api/meta.js';
import { LABEL, roleLabels, roleSelector, withUserLabels, mergeMaps, type LabelContext } from '../labels.js';
import { asDesired } from '../observed.js';
import { isActive, type ActiveRole, type RolePlan } from '../plan.js';
import { TEMPLATE_ANNOTATION, templateHash } from './rollout.js';
import { claimNames, claimTemplate, type RoleStorage } from './storage.js';
import { podAnnotations, podTemplate } from './pod.js';
import { channelNames } from './channel.js';
import { appAnnotations } from './annotations.js';
import type { Valid } from '../validate.js';

/** Spec fields a StatefulSet update may not change. */
const IMMUTABLE = ['selector', 'serviceName', 'volumeClaimTemplates', 'podManagementPolicy'] as const;

/** A role no longer in spec: the observed StatefulSet scaled down to its remaining members, then gone. */
function draining(role: RolePlan): KubeObject | undefined {
  const observed = role.observedStatefulSet;
  if (!observed || (role.replicas === 0 && role.members.length === 0)) return undefined;
  const desired = asDesired(observed) as KubeObject & { spec: Record<string, unknown> };
  return { ...desired, spec: { ...desired.spec, replicas: role.replicas } };
}

/** A role's pod template, named by its hash (TEMPLATE_ANNOTATION) so that pods tell which one they were made from. */
export interface RoleTemplate {
  template: IPodTemplateSpec;
  hash: string;
}

/** The pod template of an active role whose StatefulSet is rendered (see renderStatefulSet). */
export function roleTemplate(
  resolved: Valid,
  role: ActiveRole,
  storage: RoleStorage,
  context: LabelContext,
  headless: string,
): RoleTemplate {
  const spec = role.spec;
  const setLabels = { ...roleLabels(context, spec.id), [LABEL.headless]: resolved.name };
  const template = podTemplate(resolved, role, {
    config: channelNames(resolved),
    labels: withUserLabels(setLabels, spec.podLabels, resolved.config.podLabels),
    annotations: podAnnotations(resolved, spec),
    claims: claimNames(storage.templates),
    blockPathPrefix: spec.blockStorage?.pathPrefix,
    headlessFqdnDomain: `${headless}.${resolved.namespace}${resolved.domainBase}`,
  });
  const hash = templateHash(template);
  template.metadata = { ...template.metadata, annotations: mergeMaps(template.metadata?.annotations, { [TEMPLATE_ANNOTATION]: hash }) };
  return { template, hash };
}

/** Whether the role renders a StatefulSet with its own template (not draining, not waiting to be recreated). */
export const rendersTemplate = (role: RolePlan, storage: RoleStorage): role is ActiveRole => isActive(role) && !storage.recreate;

/**
 * The role's StatefulSet, or none: a drained role's goes, and so does one whose storage layout
 * changed while it had no pods (it comes back with the new layout on the next sync). partition
 * holds back the members not yet due for the current template (see rollout.ts).
 */
export function renderStatefulSet(
  resolved: Valid,
  role: RolePlan,
  storage: RoleStorage,
  context: LabelContext,
  headless: string,
  rolled: { template: RoleTemplate; partition: number } | undefined,
): KubeObject | undefined {
  if (!isActive(role)) return draining(role);
  if (storage.recreate) return undefined;
  // A role that renders must have its template: leaving it out here would delete its StatefulSet.
  if (!rolled) throw new Error(`role "${role.id}" has no pod template`);
  const spec = role.spec;
  const observed = role.observedStatefulSet;
  const { wanted } = storage;

  const labels = roleLabels(context, spec.id);
  const setLabels = { ...labels, [LABEL.headless]: resolved.name };
  const selector = roleSelector(context, spec.id);

  const statefulSet: IStatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: role.statefulSet,
      namespace: resolved.namespace,
      labels: mergeMaps(setLabels),
      annotations: appAnnotations(resolved),
    },
    spec: {
      replicas: role.replicas,
      serviceName: headless,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selector },
      updateStrategy: { type: 'RollingUpdate', ...(rolled.partition > 0 ? { rollingUpdate: { partition: rolled.partition } } : {}) },
      // PVCs are children of the cluster: their fate is the cluster's policy, never the StatefulSet's.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: rolled.template.template,
      ...(wanted.length > 0 ? { volumeClaimTemplates: wanted.map((t) => claimTemplate(t, mergeMaps(labels))) } : {}),
    },
  };

  if (observed) {
    const observedSpec = (observed.spec ?? {}) as Record<string, unknown>;
    const desiredSpec = statefulSet.spec as unknown as Record<string, unknown>;
    for (const field of IMMUTABLE) {
      if (observedSpec[field] === undefined) delete desiredSpec[field];
      else desiredSpec[field] = structuredClone(observedSpec[field]);
    }
  }
  return statefulSet as KubeObject;
}
