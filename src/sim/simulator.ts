// The simulator: a Kubernetes API server with its controllers and one Metacontroller
// CompositeController calling real hooks over HTTP, advanced in rounds on a simulated clock.
import type { KubeObject } from '../api/meta.js';
import { ApiServer } from './apiserver.js';
import { Clock } from './clock.js';
import { collectGarbage } from './controllers/garbage-collector.js';
import { Kubelet, type ContainerOutcome } from './controllers/kubelet.js';
import { stepLoadBalancers } from './controllers/load-balancers.js';
import { stepStatefulSets } from './controllers/statefulset.js';
import { stepVolumes } from './controllers/volumes.js';
import { STANDARD_STORAGE_CLASS } from './defaults.js';
import { canonicalJson, clone } from './json.js';
import { KINDS, resolveKind } from './kinds.js';
import { threeWayMerge } from './merge.js';
import { Metacontroller } from './metacontroller/composite.js';
import { readController, type ControllerConfig } from './metacontroller/config.js';
import { HookClient, type HookCall } from './metacontroller/hooks.js';
import type { KubeObject as StoredObject } from './objects.js';
import { memoryStore } from './store.js';
import { renderTable } from './table.js';

export type { ContainerOutcome } from './controllers/kubelet.js';
export type { HookCall } from './metacontroller/hooks.js';
export type { KubeObject } from '../api/meta.js';

export interface SimulatorOptions {
  /** Base URL of the hook server, e.g. http://127.0.0.1:PORT; hooks are at /customize, /sync, /finalize. */
  hookUrl: string;
  /** A metacontroller.k8s.io/v1alpha1 CompositeController object. */
  controller: Record<string, unknown>;
  /** Checks every child Metacontroller would write; returned strings refuse the write and are recorded as errors. */
  validateChild?: (obj: KubeObject) => string[];
  /** Admission of the parent (create/update, and status writes); return errors to refuse. */
  admitParent?: (obj: KubeObject, old?: KubeObject) => string[];
  /** What the app container of a running pod does, decided per round; default: becomes ready. */
  container?: (pod: KubeObject, sim: Simulator) => ContainerOutcome | Promise<ContainerOutcome>;
  /** Simulated seconds per round (default 5): what AGE columns and timestamps advance by. */
  secondsPerRound?: number;
  /** The cluster's StorageClasses (default: `standard`, the default class, which allows volume expansion). */
  storageClasses?: KubeObject[];
}

export interface RoundResult {
  round: number;
  /** What changed: stored objects, and hook responses that differ from the previous ones. */
  changes: string[];
  /** Errors recorded during this round. */
  errors: string[];
  changed: boolean;
}

const KUBECTL_LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export class Simulator {
  readonly calls: HookCall[] = [];
  readonly errors: string[] = [];
  private readonly clock = new Clock();
  private readonly config: ControllerConfig;
  private readonly api: ApiServer;
  private readonly kubelet: Kubelet;
  private readonly metacontroller: Metacontroller;
  private readonly secondsPerRound: number;
  private rounds = 0;

  constructor(private readonly options: SimulatorOptions) {
    this.config = readController(options.controller);
    this.secondsPerRound = options.secondsPerRound ?? 5;
    this.api = new ApiServer(this.clock, (obj, old) => this.admit(obj, old));
    for (const storageClass of options.storageClasses ?? [STANDARD_STORAGE_CLASS]) this.api.create(storageClass);
    const behaviour = options.container;
    const store = memoryStore(this.api);
    this.kubelet = new Kubelet(
      store,
      this.clock,
      (pod) => (behaviour ? behaviour(pod, this) : { ready: true }),
      (m) => {
        this.record('kubelet', m);
      },
    );
    const hooks = new HookClient(options.hookUrl.replace(/\/+$/, ''), this.calls);
    this.metacontroller = new Metacontroller(store, this.config, clone(options.controller), hooks, this.calls, (parent, m) => {
      this.record(`metacontroller ${parent}`, m);
    });
  }

  /** Like `kubectl apply`: creates, or merges the change since the last apply into the stored object. */
  apply(obj: KubeObject): void {
    const manifest: StoredObject = clone(obj);
    manifest.metadata.namespace ??= 'default';
    const where = `apply ${manifest.kind} ${manifest.metadata.namespace}/${manifest.metadata.name}`;
    try {
      const existing = this.api.get(manifest.kind, manifest.metadata.namespace, manifest.metadata.name);
      const lastApplied = existing?.metadata.annotations?.[KUBECTL_LAST_APPLIED];
      manifest.metadata.annotations = { ...manifest.metadata.annotations, [KUBECTL_LAST_APPLIED]: canonicalJson(obj) };
      if (existing) {
        // kubectl merges custom resources with a JSON merge patch: lists are replaced, not merged by key.
        const custom = KINDS.some((k) => k.custom && k.kind === manifest.kind && k.apiVersion === manifest.apiVersion);
        const previous = lastApplied ? (JSON.parse(lastApplied) as unknown) : undefined;
        // Merging into an object of one kind from a manifest of the same kind gives one of that kind.
        this.api.update(threeWayMerge(existing, previous, manifest, { listMaps: !custom }) as StoredObject);
      } else {
        this.api.create(manifest);
      }
    } catch (error) {
      this.record(where, (error as Error).message);
    }
  }

  /** Simulated seconds since the start: what members' clocks read. */
  get seconds(): number {
    return this.clock.now;
  }

  /**
   * Sets one annotation of a stored object, as a client's merge patch would (a member sidecar
   * reporting on its Lease); false when the object does not exist.
   */
  annotate(kind: string, namespace: string, name: string, key: string, value: string): boolean {
    const existing = this.api.get(kind, namespace, name);
    if (!existing) return false;
    if (existing.metadata.annotations?.[key] === value) return true;
    this.api.update({ ...existing, metadata: { ...existing.metadata, annotations: { ...existing.metadata.annotations, [key]: value } } });
    return true;
  }

  /** Like `kubectl delete`: objects with finalizers and pods are marked, the rest go at once, and their dependents after them. */
  delete(kind: string, namespace: string, name: string): void {
    try {
      this.api.delete(resolveKind(kind).kind, namespace, name);
    } catch (error) {
      this.record(`delete ${kind} ${namespace}/${name}`, (error as Error).message);
    }
    collectGarbage(this.api, (m) => {
      this.record('garbage collector', m);
    });
  }

  /** One round: the clock advances, the Kubernetes controllers step, then Metacontroller syncs every parent. */
  async round(): Promise<RoundResult> {
    this.rounds++;
    this.clock.now += this.secondsPerRound;
    const firstChange = this.api.changes.length;
    const firstError = this.errors.length;
    collectGarbage(this.api, (m) => {
      this.record('garbage collector', m);
    });
    stepVolumes(this.api, this.clock, (m) => {
      this.record('volume controller', m);
    });
    stepLoadBalancers(this.api, (m) => {
      this.record('service controller', m);
    });
    await this.kubelet.step(this.rounds);
    stepStatefulSets(this.api, this.clock, (m) => {
      this.record('statefulset controller', m);
    });
    const responseChanges = await this.metacontroller.syncAll();
    const changes = [...this.api.changes.slice(firstChange), ...responseChanges];
    return { round: this.rounds, changes, errors: this.errors.slice(firstError), changed: changes.length > 0 };
  }

  /**
   * Rounds until `quietRounds` in a row change nothing (more than one when containers have state
   * of their own that moves without anything observable changing); throws, saying what still
   * changed, when that takes more than maxRounds.
   */
  async converge({ maxRounds = 50, quietRounds = 1 }: { maxRounds?: number; quietRounds?: number } = {}): Promise<{ rounds: number }> {
    let last: RoundResult = { round: this.rounds, changes: [], errors: [], changed: false };
    let quiet = 0;
    for (let rounds = 1; rounds <= maxRounds; rounds++) {
      last = await this.round();
      quiet = last.changed ? 0 : quiet + 1;
      if (quiet >= quietRounds) return { rounds };
    }
    const changes = last.changes.slice(0, 20).map((c) => `  ${c}`);
    const errors = last.errors.slice(-5).map((e) => `  ${e}`);
    throw new Error(
      [
        `did not converge in ${maxRounds} rounds; round ${last.round} still changed:`,
        ...changes,
        ...(errors.length ? ['and recorded errors:', ...errors] : []),
      ].join('\n'),
    );
  }

  failPod(namespace: string, name: string, termination?: { exitCode?: number; message?: string }): Promise<void> {
    return this.kubelet.fail(namespace, name, this.rounds, termination);
  }

  recoverPod(namespace: string, name: string): Promise<void> {
    return this.kubelet.recover(namespace, name);
  }

  get(kind: string, namespace: string, name: string): KubeObject | undefined {
    return this.api.get(resolveKind(kind).kind, namespace, name);
  }

  list(kind: string, namespace?: string): KubeObject[] {
    return this.api.list(resolveKind(kind).kind, namespace);
  }

  table(kind: string, namespace: string): string {
    const info = resolveKind(kind);
    return renderTable(info, namespace, this.api.list(info.kind, namespace), this.clock);
  }

  private admit(obj: StoredObject, old: StoredObject | undefined): string[] {
    if (obj.kind === this.config.parent.kind) return this.options.admitParent?.(obj, old) ?? [];
    if (this.config.children.some((c) => c.info.kind === obj.kind)) return this.options.validateChild?.(obj) ?? [];
    return [];
  }

  private record(who: string, message: string): void {
    this.errors.push(`round ${this.rounds}: ${who}: ${message}`);
  }
}
