// Observed pods in the shapes the kubelet reports them, for reconciler tests.
import type { KubeObject } from '../../src/api/meta.js';
import { NAMESPACE } from './requests.js';

export interface PodShape {
  ready?: boolean;
  containerID?: string;
  state?: 'running' | 'waiting' | 'terminated';
  terminationMessage?: string;
  deleting?: boolean;
  unschedulable?: string;
}

export function pod(name: string, shape: PodShape = {}): KubeObject {
  const { containerID = `containerd://${name}-1`, state = 'running' } = shape;
  const ready = (shape.ready ?? true) && !shape.unschedulable;
  const containerState =
    state === 'running'
      ? { running: { startedAt: '2026-01-01T00:00:00Z' } }
      : state === 'terminated'
        ? { terminated: { exitCode: 1, reason: 'Error', ...(shape.terminationMessage ? { message: shape.terminationMessage } : {}) } }
        : { waiting: { reason: 'ContainerCreating' } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NAMESPACE,
      uid: `pod-${name}`,
      ...(shape.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}),
    },
    spec: { containers: [{ name: 'app', image: 'example' }] },
    status: {
      phase: shape.unschedulable ? 'Pending' : 'Running',
      conditions: [
        shape.unschedulable
          ? { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: shape.unschedulable }
          : { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: ready ? 'True' : 'False' },
      ],
      containerStatuses: shape.unschedulable ? [] : [{ name: 'app', containerID, ready, restartCount: 0, state: containerState }],
    },
  };
}
