// The kubelet of a single simulated node. A new pod starts the round after it was created
// (once the claims it mounts exist); each round the app container's behaviour decides whether it is
// ready or exits; an exited container waits one round in CrashLoopBackOff and is restarted
// (restartPolicy permitting). Pods being deleted are gone the round after.
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { clone, deepEqual } from '../json.js';
import {
  asClaim,
  asPod,
  namespaceOf,
  uidOf,
  type Container,
  type ContainerStatus,
  type ContainerTerminated,
  type Pod,
  type PodCondition,
} from '../objects.js';
import { claimNames, condition } from '../pods.js';
import type { Store } from '../store.js';

export type ContainerOutcome = { ready: boolean } | { terminated: { exitCode: number; message?: string } };
/** What the app container (the pod's first) does this round; the others just become ready. */
export type ContainerBehaviour = (pod: Pod) => ContainerOutcome | Promise<ContainerOutcome>;

const NODE = { name: 'sim-node', ip: '172.18.0.2' };

export class Kubelet {
  /** Pods whose state stays as a test set it until the given round has run its hooks. */
  private readonly heldUntil = new Map<string, number>();
  private lastPodIP = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly behaviour: ContainerBehaviour,
    private readonly report: (message: string) => void,
  ) {}

  async step(round: number): Promise<void> {
    for (const pod of (await this.store.list('Pod')).map(asPod)) {
      try {
        await this.stepPod(pod, round);
      } catch (error) {
        this.report(`Pod ${pod.metadata.namespace}/${pod.metadata.name}: ${(error as Error).message}`);
      }
    }
  }

  /** The app container exits now; its state is visible to the next round's hooks before the kubelet reacts. */
  async fail(namespace: string, name: string, round: number, termination: { exitCode?: number; message?: string } = {}): Promise<void> {
    const [pod, [app, ...others]] = await this.runningPod(namespace, name);
    const terminated = terminate(app, { exitCode: termination.exitCode ?? 1, message: termination.message }, this.clock);
    await this.write(pod, [terminated, ...others]);
    this.heldUntil.set(uidOf(pod), round + 1);
  }

  /** The app container is restarted now; the next round's behaviour decides whether it is ready. */
  async recover(namespace: string, name: string): Promise<void> {
    const [pod, [app, ...others]] = await this.runningPod(namespace, name);
    await this.write(pod, [this.restart(pod, app), ...others]);
    this.heldUntil.delete(uidOf(pod));
  }

  private async stepPod(pod: Pod, round: number): Promise<void> {
    const { metadata } = pod;
    if (metadata.deletionTimestamp) {
      const requested = this.clock.seconds(metadata.deletionTimestamp) - (metadata.deletionGracePeriodSeconds ?? 0);
      if (requested < this.clock.now) await this.store.removeTerminated(pod);
      return;
    }
    if ((this.heldUntil.get(uidOf(pod)) ?? 0) >= round) return;
    if (!pod.status?.containerStatuses) {
      if (this.clock.seconds(metadata.creationTimestamp) >= this.clock.now) return;
      const missing = await this.missingClaim(pod);
      if (missing) return this.writePending(pod, missing);
      pod = await this.schedule(pod);
    }
    const containers = pod.spec.containers ?? [];
    const current = pod.status?.containerStatuses ?? [];
    const next: ContainerStatus[] = [];
    for (const [i, container] of containers.entries()) {
      const status = current.find((c) => c.name === container.name);
      next.push(await this.advance(pod, container, status, i === 0));
    }
    await this.write(pod, next);
  }

  private async advance(pod: Pod, container: Container, status: ContainerStatus | undefined, isApp: boolean): Promise<ContainerStatus> {
    // A container just (re)started is not ready before its first readiness probe: the next round.
    if (!status) return this.started(pod, container);
    const state = status.state ?? {};
    if (state.terminated) {
      const restarts = pod.spec.restartPolicy === 'Always' || (pod.spec.restartPolicy === 'OnFailure' && state.terminated.exitCode !== 0);
      if (!restarts) return status;
      const message = `back-off 10s restarting failed container=${status.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
      return {
        ...status,
        ready: false,
        started: false,
        state: { waiting: { reason: 'CrashLoopBackOff', message } },
        lastState: { terminated: state.terminated },
      };
    }
    if (state.waiting) return this.restart(pod, status);
    return this.run(pod, status, isApp);
  }

  /** A running container after this round's behaviour: ready or not, or exited. */
  private async run(pod: Pod, status: ContainerStatus, isApp: boolean): Promise<ContainerStatus> {
    const outcome = isApp ? await this.behaviour(pod) : { ready: true };
    if ('terminated' in outcome) return terminate(status, outcome.terminated, this.clock);
    return { ...status, ready: outcome.ready, started: true };
  }

  private started(pod: Pod, container: Container): ContainerStatus {
    return {
      name: container.name,
      image: container.image,
      containerID: containerID(pod, container.name, 0),
      restartCount: 0,
      ready: false,
      started: true,
      state: { running: { startedAt: this.clock.timestamp() } },
      lastState: {},
    };
  }

  private restart(pod: Pod, status: ContainerStatus): ContainerStatus {
    const restartCount = (status.restartCount ?? 0) + 1;
    const lastState = status.state?.terminated ? { terminated: status.state.terminated } : status.lastState;
    return {
      ...status,
      containerID: containerID(pod, status.name, restartCount),
      restartCount,
      ready: false,
      started: true,
      state: { running: { startedAt: this.clock.timestamp() } },
      lastState,
    };
  }

  /** Why the pod cannot be scheduled yet: a claim it mounts does not exist. (Claims are bound before pods start, see stepVolumes.) */
  private async missingClaim(pod: Pod): Promise<string | undefined> {
    for (const name of claimNames(pod)) {
      const claim = await this.store.get('PersistentVolumeClaim', namespaceOf(pod), name);
      if (!claim) return `persistentvolumeclaim "${name}" not found`;
      if (asClaim(claim).status?.phase !== 'Bound') return `pod has unbound immediate PersistentVolumeClaims`;
    }
    return undefined;
  }

  private async writePending(pod: Pod, message: string): Promise<void> {
    const scheduled: PodCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null };
    const conditions = [withTransition(pod, scheduled, this.clock)];
    if (deepEqual(pod.status?.conditions, conditions) && pod.status?.phase === 'Pending') return;
    await this.store.updateStatus({ ...pod, status: { ...pod.status, phase: 'Pending', conditions } });
  }

  /** Binds the pod to the node and gives it an address. */
  private async schedule(pod: Pod): Promise<Pod> {
    const bound = pod.spec.nodeName ? pod : asPod(await this.store.bind(pod, NODE.name));
    const n = this.lastPodIP++;
    const podIP = `10.244.${Math.floor(n / 250)}.${(n % 250) + 2}`;
    return {
      ...bound,
      status: {
        phase: 'Pending',
        hostIP: NODE.ip,
        hostIPs: [{ ip: NODE.ip }],
        podIP,
        podIPs: [{ ip: podIP }],
        startTime: this.clock.timestamp(),
      },
    };
  }

  private async write(pod: Pod, containerStatuses: ContainerStatus[]): Promise<void> {
    const unready = containerStatuses.filter((c) => !c.ready).map((c) => c.name);
    const ready = (type: string): PodCondition =>
      unready.length
        ? {
            type,
            status: 'False',
            reason: 'ContainersNotReady',
            message: `containers with unready status: [${unready.join(' ')}]`,
            lastProbeTime: null,
          }
        : { type, status: 'True', lastProbeTime: null };
    const conditions: PodCondition[] = [
      { type: 'Initialized', status: 'True', lastProbeTime: null },
      ready('Ready'),
      ready('ContainersReady'),
      { type: 'PodScheduled', status: 'True', lastProbeTime: null },
    ].map((c) => withTransition(pod, c, this.clock));
    const status = { ...clone(pod.status), phase: phase(pod, containerStatuses), conditions, containerStatuses };
    if (deepEqual(pod.status, status)) return;
    await this.store.updateStatus({ ...pod, status });
  }

  /** The pod and its container statuses, the app container's first. */
  private async runningPod(namespace: string, name: string): Promise<[Pod, [ContainerStatus, ...ContainerStatus[]]]> {
    const stored = await this.store.get('Pod', namespace, name);
    const pod = stored && asPod(stored);
    const [app, ...others] = pod?.status?.containerStatuses ?? [];
    if (!pod || !app) throw new Error(`pod ${namespace}/${name} has no started containers`);
    return [pod, [app, ...others]];
  }
}

function terminate(status: ContainerStatus, termination: { exitCode: number; message?: string }, clock: Clock): ContainerStatus {
  const { exitCode, message } = termination;
  const terminated: ContainerTerminated = {
    exitCode,
    reason: exitCode === 0 ? 'Completed' : 'Error',
    ...(message === undefined ? {} : { message }),
    startedAt: status.state?.running?.startedAt ?? clock.timestamp(),
    finishedAt: clock.timestamp(),
    containerID: status.containerID,
  };
  return { ...status, ready: false, started: false, state: { terminated } };
}

/** Running while any container runs or will restart; Succeeded or Failed once all have exited for good. */
function phase(pod: Pod, containerStatuses: ContainerStatus[]): string {
  const exited = containerStatuses.map((c) => c.state?.terminated).filter((t): t is ContainerTerminated => Boolean(t));
  const final = pod.spec.restartPolicy === 'Never' || (pod.spec.restartPolicy === 'OnFailure' && exited.every((t) => t.exitCode === 0));
  if (!final || exited.length < containerStatuses.length) return 'Running';
  return exited.every((t) => t.exitCode === 0) ? 'Succeeded' : 'Failed';
}

/** A condition keeps its lastTransitionTime while its status stays the same. */
function withTransition(pod: Pod, next: PodCondition, clock: Clock): PodCondition {
  const previous = condition(pod, next.type);
  const lastTransitionTime = previous && previous.status === next.status ? previous.lastTransitionTime : clock.timestamp();
  return { ...next, lastTransitionTime };
}

function containerID(pod: Pod, container: string, restartCount: number): string {
  return `containerd://${createHash('sha256')
    .update(`${uidOf(pod)}/${container}/${restartCount}`)
    .digest('hex')}`;
}
