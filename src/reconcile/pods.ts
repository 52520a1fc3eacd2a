// What an observed pod says about its member: the app container's identity and state,
// readiness, a termination message, a scheduling failure.
import type { KubeObject } from '../api/meta.js';

export const APP_CONTAINER = 'app';

export type ContainerState = 'running' | 'waiting' | 'initializing' | 'terminated' | 'absent' | 'unknown';

export interface PodObservation {
  exists: boolean;
  /** The pod's uid: progress reports name the pod they are about. */
  uid?: string;
  terminating: boolean;
  ready: boolean;
  containerID?: string;
  containerState: ContainerState;
  terminationMessage?: string;
  schedulingError?: string;
  /** When the pod last became ready or unready (the kubelet's clock), to compare with other observed times. */
  readySince?: string;
}

interface ContainerStatus {
  name: string;
  containerID?: string;
  ready?: boolean;
  state?: { running?: object; waiting?: object; terminated?: { message?: string } };
  lastState?: { terminated?: { message?: string } };
}

interface PodStatus {
  phase?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
}

const ABSENT: PodObservation = { exists: false, terminating: false, ready: false, containerState: 'absent' };

export function observePod(pod: KubeObject | undefined): PodObservation {
  if (!pod) return ABSENT;
  const status = (pod.status ?? {}) as PodStatus;
  const container = status.containerStatuses?.find((c) => c.name === APP_CONTAINER);
  const condition = (type: string) => status.conditions?.find((c) => c.type === type);
  const unscheduled = condition('PodScheduled');
  const initializing = (status.initContainerStatuses ?? []).some((c) => !c.state?.terminated);
  const containerState: ContainerState = container?.state?.running
    ? 'running'
    : container?.state?.terminated
      ? 'terminated'
      : initializing && status.phase === 'Pending'
        ? 'initializing'
        : container?.state?.waiting || status.phase === 'Pending'
          ? 'waiting'
          : 'unknown';
  const message = container?.state?.terminated?.message ?? container?.lastState?.terminated?.message;
  const readySince = condition('Ready')?.lastTransitionTime;
  return {
    exists: true,
    ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
    terminating: Boolean(pod.metadata.deletionTimestamp),
    ready: condition('Ready')?.status === 'True' && !pod.metadata.deletionTimestamp,
    ...(container?.containerID ? { containerID: container.containerID } : {}),
    containerState,
    ...(message ? { terminationMessage: message } : {}),
    ...(readySince ? { readySince } : {}),
    ...(unscheduled?.status === 'False' && unscheduled.reason === 'Unschedulable'
      ? { schedulingError: unscheduled.message ?? 'unschedulable' }
      : {}),
  };
}
