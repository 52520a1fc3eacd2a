// One StatefulSet per role. Fields the API server never lets change are returned exactly as
// observed once the StatefulSet exists; a role that left the spec drains to zero, then goes.
import type { IStatefulSet } from 'kubernetes-models/apps/v1';
import type { KubeObject } from '../../api/meta.js';
import { LABEL, roleLabels, roleSelector, withUserLabels, mergeMaps, type LabelContext } from '../labels.js';
import { asDesired } from '../observed.js';
import { isActive, type RolePlan } from '../plan.js';
import type { Resolved } from '../resolve.js';
import { claimNames, claimTemplate, desiredClaimTemplates, observedClaimTemplates, sameClaimShape, type ClaimTemplate } from './storage.js';
import { podAnnotations, podTemplate } from './pod.js';
import { appAnnotations } from './annotations.js';
import type { Valid } from '../validate.js';

/** Spec fields a StatefulSet update may not change. */
const IMMUTABLE = ['selector', 'serviceName', 'volumeClaimTemplates', 'podManagementPolicy'] as const;

export interface StatefulSetResult {
  statefulSet?: KubeObject;
  /** The claim templates members actually get (the observed ones once the StatefulSet exists). */
  templates: ClaimTemplate[];
  /** Spec changes that cannot take effect yet, with why. */
  deferred: string[];
}

const hasPods = (resolved: Resolved, role: RolePlan) =>
  [...resolved.observed.pods.keys()].some((pod) => pod.startsWith(`${role.statefulSet}-`));

/** A role no longer in spec: the observed StatefulSet scaled down to its remaining members, then gone. */
function draining(resolved: Resolved, role: RolePlan): StatefulSetResult {
  const observed = role.observedStatefulSet;
  const templates = observed ? observedClaimTemplates(observed) : [];
  if (!observed || (role.replicas === 0 && role.members.length === 0)) return { templates, deferred: [] };
  const desired = asDesired(observed) as KubeObject & { spec: Record<string, unknown> };
  return { statefulSet: { ...desired, spec: { ...desired.spec, replicas: role.replicas } }, templates, deferred: [] };
}

export function renderStatefulSet(resolved: Valid, role: RolePlan, context: LabelContext, headless: string): StatefulSetResult {
  if (!isActive(role)) return draining(resolved, role);
  const spec = role.spec;
  const observed = role.observedStatefulSet;
  const wanted = desiredClaimTemplates(spec, resolved.config.defaultStorageClassName);
  const templates = observed ? observedClaimTemplates(observed) : wanted;
  const deferred: string[] = [];

  if (observed && !sameClaimShape(templates, wanted)) {
    // Storage layout is fixed for the life of a StatefulSet: recreate it once the role has no pods.
    if (role.members.length === 0 && !hasPods(resolved, role)) return { templates: wanted, deferred: [] };
    deferred.push(
      `role "${spec.id}": a storage change (storage, blockStorage or storageClassName) takes effect once the role has no members; scale it to 0 and back`,
    );
  }

  const labels = roleLabels(context, spec.id);
  const setLabels = { ...labels, [LABEL.headless]: resolved.name };
  const selector = roleSelector(context, spec.id);
  const template = podTemplate(resolved, role, {
    config: { configMap: resolved.published.name, secret: resolved.secretName },
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
  return { statefulSet: statefulSet as KubeObject, templates, deferred };
}
