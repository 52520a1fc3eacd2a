// The StatefulSet controller: pods <set>-<ordinal> with their claims from the templates,
// scale up and down (all at once for Parallel, one at a time for OrderedReady), rolling
// updates (one outdated pod at a time, highest ordinal first, while all pods are healthy),
// the claim retention policy, and status.
import { createHash } from 'node:crypto';
import type { ApiServer } from '../apiserver.js';
import type { Clock } from '../clock.js';
import { canonicalJson, clone, deepEqual } from '../json.js';
import {
  asPod,
  asStatefulSet,
  namespaceOf,
  referenceTo,
  type ClaimTemplate,
  type KubeObject,
  type ObjectMeta,
  type OwnerReference,
  type Pod,
  type PodSpec,
  type StatefulSet,
  type StatefulSetSpec,
  type Volume,
} from '../objects.js';
import { condition, controllerUid, isHealthy } from '../pods.js';

const REVISION_LABEL = 'controller-revision-hash';

export function stepStatefulSets(api: ApiServer, clock: Clock, report: (message: string) => void): void {
  for (const set of api.list('StatefulSet').map(asStatefulSet)) {
    if (set.metadata.deletionTimestamp) continue;
    const where = `StatefulSet ${namespaceOf(set)}/${set.metadata.name}`;
    new SetController(api, clock, set, (message) => {
      report(`${where}: ${message}`);
    }).reconcile();
  }
}

class SetController {
  private readonly spec: StatefulSetSpec;
  private readonly first: number;
  private readonly last: number;
  private readonly updateRevision: string;

  constructor(
    private readonly api: ApiServer,
    private readonly clock: Clock,
    private readonly set: StatefulSet,
    private readonly report: (message: string) => void,
  ) {
    this.spec = set.spec;
    this.first = this.spec.ordinals?.start ?? 0;
    this.last = this.first + this.spec.replicas - 1;
    this.updateRevision = `${set.metadata.name}-${createHash('sha256').update(canonicalJson(this.spec.template)).digest('hex').slice(0, 10)}`;
  }

  reconcile(): void {
    this.createMissing();
    this.deleteCondemned();
    this.rollOne();
    this.retainClaims();
    this.writeStatus();
  }

  private pods(): Map<number, Pod> {
    const prefix = `${this.set.metadata.name}-`;
    const owned = this.api
      .list('Pod', this.set.metadata.namespace)
      .map(asPod)
      .filter((p) => controllerUid(p) === this.set.metadata.uid);
    return new Map(
      owned.filter((p) => /^\d+$/.test(p.metadata.name.slice(prefix.length))).map((p) => [Number(p.metadata.name.slice(prefix.length)), p]),
    );
  }

  private get parallel(): boolean {
    return this.spec.podManagementPolicy === 'Parallel';
  }

  private createMissing(): void {
    const pods = this.pods();
    for (let ordinal = this.first; ordinal <= this.last; ordinal++) {
      const pod = pods.get(ordinal);
      if (pod) {
        // OrderedReady waits for each pod to be healthy before the next one.
        if (!this.parallel && !isHealthy(pod)) return;
        continue;
      }
      this.attempt(`create pod ${this.podName(ordinal)}`, () => {
        this.createPod(ordinal);
      });
      if (!this.parallel) return;
    }
  }

  private deleteCondemned(): void {
    const pods = [...this.pods()];
    const condemned = pods.filter(([o, p]) => (o < this.first || o > this.last) && !p.metadata.deletionTimestamp).sort(([a], [b]) => b - a);
    const settled = pods.every(([o, p]) => (o < this.first || o > this.last ? !p.metadata.deletionTimestamp : isHealthy(p)));
    const victims = this.parallel ? condemned : settled ? condemned.slice(0, 1) : [];
    for (const [, pod] of victims)
      this.attempt(`delete pod ${pod.metadata.name}`, () => {
        this.api.delete('Pod', namespaceOf(pod), pod.metadata.name);
      });
  }

  /**
   * Replaces the highest outdated pod at or above the partition, as the controller's default path
   * (without MaxUnavailableStatefulSet) does: from the highest ordinal down, an outdated pod is
   * deleted, and an unhealthy current one stops the walk. With Parallel, pods below need not be
   * healthy, so a failed pod can be replaced by a reverted template.
   */
  private rollOne(): void {
    if (this.spec.updateStrategy?.type !== 'RollingUpdate') return;
    const pods = this.pods();
    // OrderedReady gets here only when every pod is in place and healthy.
    if (!this.parallel && ![...pods.values()].every(isHealthy)) return;
    const partition = this.first + (this.spec.updateStrategy.rollingUpdate?.partition ?? 0);
    for (let ordinal = this.last; ordinal >= partition; ordinal--) {
      const pod = pods.get(ordinal);
      if (!pod) return;
      if (pod.metadata.labels?.[REVISION_LABEL] !== this.updateRevision && !pod.metadata.deletionTimestamp) {
        this.attempt(`delete pod ${pod.metadata.name}`, () => {
          this.api.delete('Pod', namespaceOf(pod), pod.metadata.name);
        });
        return;
      }
      if (!isHealthy(pod)) return;
    }
  }

  private createPod(ordinal: number): void {
    const namespace = namespaceOf(this.set);
    const name = this.podName(ordinal);
    for (const template of this.claimTemplates()) {
      const claimName = `${template.metadata.name}-${name}`;
      const claim = this.api.get('PersistentVolumeClaim', namespace, claimName);
      if (claim?.metadata.deletionTimestamp) throw new Error(`pvc ${claimName} is being deleted`);
      if (!claim) this.api.create(this.claimFor(template, claimName));
    }
    const template = clone(this.spec.template ?? {});
    const spec: PodSpec = { ...template.spec, hostname: name };
    if (this.spec.serviceName) spec.subdomain = this.spec.serviceName;
    const volumes: Volume[] = [...(spec.volumes ?? [])];
    for (const claimTemplate of this.claimTemplates()) {
      const volume = { name: claimTemplate.metadata.name, persistentVolumeClaim: { claimName: `${claimTemplate.metadata.name}-${name}` } };
      const at = volumes.findIndex((v) => v.name === volume.name);
      if (at >= 0) volumes[at] = volume;
      else volumes.push(volume);
    }
    if (volumes.length) spec.volumes = volumes;
    const labels = {
      ...template.metadata?.labels,
      'statefulset.kubernetes.io/pod-name': name,
      'apps.kubernetes.io/pod-index': String(ordinal),
      [REVISION_LABEL]: this.updateRevision,
    };
    const metadata: ObjectMeta = {
      name,
      namespace,
      labels,
      ownerReferences: [{ ...this.ownerRef(), controller: true, blockOwnerDeletion: true }],
    };
    if (template.metadata?.annotations) metadata.annotations = template.metadata.annotations;
    this.api.create({ apiVersion: 'v1', kind: 'Pod', metadata, spec });
  }

  private claimFor(template: ClaimTemplate, name: string): KubeObject {
    const metadata: ObjectMeta = {
      name,
      namespace: this.set.metadata.namespace,
      labels: { ...template.metadata.labels, ...this.spec.selector?.matchLabels },
    };
    if (template.metadata.annotations) metadata.annotations = template.metadata.annotations;
    return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata, spec: clone(template.spec) };
  }

  /** persistentVolumeClaimRetentionPolicy: Delete makes the set (whenDeleted) or a condemned pod (whenScaled) the claim's owner, so the garbage collector takes it along. */
  private retainClaims(): void {
    const policy = this.spec.persistentVolumeClaimRetentionPolicy ?? {};
    for (const [ordinal, pod] of this.pods()) {
      const condemned = ordinal < this.first || ordinal > this.last;
      const podRef = referenceTo(pod);
      const wanted = [
        ...(policy.whenDeleted === 'Delete' && !(policy.whenScaled === 'Delete' && condemned) ? [this.ownerRef()] : []),
        ...(policy.whenScaled === 'Delete' && condemned ? [podRef] : []),
      ];
      for (const template of this.claimTemplates()) {
        const claim = this.api.get('PersistentVolumeClaim', namespaceOf(this.set), `${template.metadata.name}-${pod.metadata.name}`);
        if (!claim || claim.metadata.deletionTimestamp) continue;
        const refs = claim.metadata.ownerReferences ?? [];
        const others = refs.filter((ref) => ref.uid !== this.set.metadata.uid && ref.uid !== pod.metadata.uid);
        const managed = refs.filter((ref) => !others.includes(ref));
        if (
          deepEqual(
            managed.map((r) => r.uid),
            wanted.map((r) => r.uid),
          )
        )
          continue;
        this.attempt(`update pvc ${claim.metadata.name}`, () =>
          this.api.update({ ...claim, metadata: { ...claim.metadata, ownerReferences: [...others, ...wanted] } }),
        );
      }
    }
  }

  private writeStatus(): void {
    const pods = [...this.pods().values()];
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    const revision = (p: Pod) => p.metadata.labels?.[REVISION_LABEL];
    const ready = pods.filter(isHealthy);
    const minReadySeconds = this.spec.minReadySeconds ?? 0;
    const available = ready.filter(
      (p) => this.clock.now - this.clock.seconds(condition(p, 'Ready')?.lastTransitionTime) >= minReadySeconds,
    );
    const updated = live.filter((p) => revision(p) === this.updateRevision).length;
    const rolledOut = this.spec.updateStrategy?.type === 'RollingUpdate' && updated === pods.length && ready.length === pods.length;
    const currentRevision = rolledOut ? this.updateRevision : (this.set.status?.currentRevision ?? this.updateRevision);
    const status: NonNullable<StatefulSet['status']> = {
      observedGeneration: this.set.metadata.generation,
      replicas: pods.length,
      readyReplicas: ready.length,
      currentReplicas: live.filter((p) => revision(p) === currentRevision).length,
      updatedReplicas: updated,
      availableReplicas: available.length,
      currentRevision,
      updateRevision: this.updateRevision,
      collisionCount: 0,
    };
    // The API omits these counts when zero.
    for (const field of ['readyReplicas', 'currentReplicas', 'updatedReplicas']) if (status[field] === 0) delete status[field];
    if (!deepEqual(this.set.status, status)) this.attempt('update status', () => this.api.updateStatus({ ...this.set, status }));
  }

  private claimTemplates(): ClaimTemplate[] {
    return this.spec.volumeClaimTemplates ?? [];
  }

  private podName(ordinal: number): string {
    return `${this.set.metadata.name}-${ordinal}`;
  }

  private ownerRef(): OwnerReference {
    return referenceTo(this.set);
  }

  private attempt(what: string, action: () => void): void {
    try {
      action();
    } catch (error) {
      this.report(`${what}: ${(error as Error).message}`);
    }
  }
}
