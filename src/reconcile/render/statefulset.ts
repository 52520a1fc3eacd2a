// One StatefulSet per role. Fields the API server never lets change are returned exactly as
// observed once the StatefulSet exists; a role that left the spec drains to zero, then goes.
import type { IStatefulSet } from 'kubernetes-models/apps/v1';
import type { KubeObject } from '../../api/meta.js';
import { LABEL, roleLabels, roleSelector, withUserLabels, mergeMaps, type LabelContext } from '../labels.js';
import { asDesired } from '../observed.js';
import { isActive, type RolePlan } from '../plan.js';
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

/**
 * The role's StatefulSet, or none: a drained role's goes, and so does one whose storage layout
 * changed while it had no pods (it comes back with the new layout on the next sync).
 */
export function renderStatefulSet(
  resolved: Valid,
  role: RolePlan,
  storage: RoleStorage,
  context: LabelContext,
  headless: string,
): KubeObject | undefined {
  if (!isActive(role)) return draining(role);
  if (storage.recreate) return undefined;
  const spec = role.spec;
  const observed = role.observedStatefulSet;
  const { templates, wanted } = storage;

  const labels = roleLabels(context, spec.id);
  const setLabels = { ...labels, [LABEL.headless]: resolved.name };
  const selector = roleSelector(context, spec.id);
  const template = podTemplate(resolved, role, {
    config: channelNames(resolved),
    labels: withUserLabels(setLabels, spec.podLabels, resolved.config.podLabels),
    annotations: podAnnotations(resolved, spec),
    claims: claimNames(templates),
    blockPathPrefix: spec.blockStorage?.pathPrefix,
    headlessFqdnDomain: `${headless}.${resolved.namespace}${resolved.domainBase}`,
  });

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
      updateStrategy: { type: 'RollingUpdate' },
      // PVCs are children of the cluster: their fate is the cluster's policy, never the StatefulSet's.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template,
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
