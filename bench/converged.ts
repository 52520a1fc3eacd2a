// Requests as Metacontroller sends them for a converged cluster of a given size, built by
// running the real sync until its response stops changing (children applied, pods ready).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { HookRequest } from '../src/api/hook.js';
import type { KubeObject } from '../src/api/meta.js';
import { LAST_APPLIED } from '../src/reconcile/observed.js';
import { sync } from '../src/reconcile/sync.js';

const NAMESPACE = 'analytics';
const OPTIONS = { systemNamespace: 'kubedirector' };

const readYaml = (path: string) => parse(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')) as KubeObject;

function group(objects: KubeObject[], types: string[]) {
  const grouped: Record<string, Record<string, KubeObject>> = Object.fromEntries(types.map((t) => [t, {}]));
  for (const o of objects) (grouped[`${o.kind}.${o.apiVersion}`] ??= {})[`${NAMESPACE}/${o.metadata.name}`] = o;
  return grouped;
}

function applied(desired: KubeObject, n: number): KubeObject {
  return {
    ...structuredClone(desired),
    metadata: {
      ...structuredClone(desired.metadata),
      uid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      resourceVersion: String(1000 + n),
      annotations: { ...desired.metadata.annotations, [LAST_APPLIED]: JSON.stringify(desired) },
    },
  };
}

function readyPod(name: string, n: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, uid: `pod-${n}`, labels: { 'kubedirector.hpe.com/kdcluster': 'spark-demo' } },
    spec: { containers: [{ name: 'app', image: 'docker.io/apache/spark:3.5.6-java17' }] },
    status: {
      phase: 'Running',
      podIP: `10.0.${n >> 8}.${n & 255}`,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' },
        { type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:01:00Z' },
      ],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, containerID: `containerd://${name}`, state: { running: { startedAt: '2026-01-01T00:00:30Z' } } }],
    },
  };
}

/** The sync request of a converged Spark cluster with `members` members in all. */
export function convergedRequest(members: number): HookRequest {
  const app = readYaml('catalog/spark.yaml');
  app.metadata.namespace = NAMESPACE;
  const manifest = readYaml('clusters/spark.yaml') as KubeObject & { spec: { roles: { members: number }[] } };
  manifest.spec.roles[1]!.members = members - 2;
  let children: KubeObject[] = [];
  let pods: KubeObject[] = [];
  let status: unknown;
  for (let round = 0; round < 10; round++) {
    const request: HookRequest = {
      controller: { apiVersion: 'metacontroller.k8s.io/v1alpha1', kind: 'CompositeController', metadata: { name: 'kubedirectorclusters' } },
      parent: { ...manifest, metadata: { ...manifest.metadata, namespace: NAMESPACE, uid: '0f6c5a9e-1111-4000-8000-0000000000aa', generation: 1 }, status } as KubeObject,
      children: group(children, ['StatefulSet.apps/v1', 'Service.v1', 'PersistentVolumeClaim.v1', 'ConfigMap.v1', 'Secret.v1']),
      related: group([app, ...pods], ['KubeDirectorApp.kubedirector.hpe.com/v1beta1', 'KubeDirectorConfig.kubedirector.hpe.com/v1beta1', 'Pod.v1']),
      finalizing: false,
    };
    const response = sync(request, OPTIONS);
    if (JSON.stringify(response.status) === JSON.stringify(status)) return request;
    children = response.children.map(applied);
    status = response.status;
    const names = (status as { roles: { members: { pod: string }[] }[] }).roles.flatMap((r) => r.members.map((m) => m.pod));
    pods = names.map(readyPod);
  }
  throw new Error(`a ${members}-member cluster did not converge`);
}
