// The simulator's Metacontroller and kubelet against the real control plane: the real hook
// server on a loopback port, the real API server, and the real StatefulSet, garbage-collector,
// PVC-protection and volume-binder controllers. A round runs the kubelet (pod status through
// the status subresource), makes volumes for pending claims and grows them, syncs every parent once, then
// gives the controllers a moment; convergence is rounds in which neither the hooks' answers nor
// any object in the namespace changed.
import type { FastifyInstance } from 'fastify';
import type { KubeObject } from '../../../src/api/meta.js';
import { buildServer } from '../../../src/server/app.js';
import { agentModel, type ContainerOutcome, type ObjectSource } from '../../../src/sim/index.js';
import { Clock } from '../../../src/sim/clock.js';
import { Kubelet } from '../../../src/sim/controllers/kubelet.js';
import { Metacontroller } from '../../../src/sim/metacontroller/composite.js';
import { readController, type ApplyStrategy } from '../../../src/sim/metacontroller/config.js';
import { HookClient, type HookCall } from '../../../src/sim/metacontroller/hooks.js';
import { readYaml } from '../../support/fixtures.js';
import type { Kube, Obj } from './kube.js';
import { kubeStore } from './kube-store.js';
import { sleep } from './poll.js';
import type { KubeObject as StoredObject } from '../../../src/sim/objects.js';
import type { Store } from '../../../src/sim/store.js';
import { provisionVolumes, resizeVolumes } from './volumes.js';

/** The kinds whose objects make up a cluster's state, for telling whether a round changed any. */
const WATCHED = [
  ['kubedirector.hpe.com/v1beta1', 'KubeDirectorCluster'],
  ['apps/v1', 'StatefulSet'],
  ['v1', 'Pod'],
  ['v1', 'Service'],
  ['v1', 'PersistentVolumeClaim'],
  ['v1', 'ConfigMap'],
  ['v1', 'Secret'],
] as const;

/** The node the kubelet model binds pods to (its name is the kubelet's). */
const NODE = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sim-node' } };

/** The store, noting every write it is asked for. */
function recording(store: Store, writes: string[]): Store {
  const note =
    <A extends unknown[], R>(verb: string, write: (obj: StoredObject, ...rest: A) => Promise<R>) =>
    (obj: StoredObject, ...rest: A) => {
      writes.push(`${verb} ${obj.kind}/${obj.metadata.name}`);
      return write(obj, ...rest);
    };
  return {
    ...store,
    create: note('create', store.create),
    update: note('update', store.update),
    updateStatus: note('update status', store.updateStatus),
    delete: note('delete', store.delete),
    ...(store.apply ? { apply: note('apply', store.apply) } : {}),
    ...(store.jsonPatch ? { jsonPatch: note('patch', store.jsonPatch) } : {}),
  };
}

export type Container = (pod: KubeObject, source: ObjectSource) => ContainerOutcome | Promise<ContainerOutcome>;

export class RealWorld {
  readonly calls: HookCall[] = [];
  readonly errors: string[] = [];
  /** Every write the simulated controllers made, as `verb Kind/name`. */
  readonly writes: string[] = [];
  private readonly clock = new Clock();
  private readonly kubelet: Kubelet;
  private readonly metacontroller: Metacontroller;
  private rounds = 0;
  private fingerprint = '';

  private constructor(
    readonly kube: Kube,
    readonly namespace: string,
    readonly server: FastifyInstance,
    hookUrl: string,
    strategy: ApplyStrategy,
    container: Container,
  ) {
    const store = recording(kubeStore(kube, [namespace]), this.writes);
    const controller = readYaml<Obj>('metacontroller/compositecontroller.yaml');
    const clock = this.clock;
    const source: ObjectSource = {
      get: (kind, ns, name) => store.get(kind, ns, name),
      // The sidecar's merge patch of its Lease.
      annotate: async (kind, ns, name, key, value) => {
        const object = await store.get(kind, ns, name);
        if (!object) return false;
        if (object.metadata.annotations?.[key] !== value) {
          await kube.patch(object, { metadata: { annotations: { [key]: value } } }, 'merge');
        }
        return true;
      },
      get seconds() {
        return clock.now;
      },
    };
    this.kubelet = new Kubelet(
      store,
      this.clock,
      (pod) => container(pod, source),
      (m) => {
        this.record('kubelet', m);
      },
    );
    const hooks = new HookClient(hookUrl, this.calls);
    this.metacontroller = new Metacontroller(store, readController(controller, strategy), controller, hooks, this.calls, (parent, m) => {
      this.record(`metacontroller ${parent}`, m);
    });
  }

  static async start(kube: Kube, namespace: string, strategy: ApplyStrategy, container: Container = agentModel()): Promise<RealWorld> {
    const server = buildServer({ logLevel: 'silent', systemNamespace: 'kubedirector' });
    const address = await server.listen({ host: '127.0.0.1', port: 0 });
    if (!(await kube.get('v1', 'Node', undefined, NODE.metadata.name))) await kube.create(NODE).catch(() => undefined);
    return new RealWorld(kube, namespace, server, address, strategy, container);
  }

  /** Like `kubectl apply --server-side` of the manifest in file, in this world's namespace. */
  async apply(file: string, change?: (object: any) => void): Promise<Obj> {
    const object = readYaml<Obj>(file);
    object.metadata.namespace = this.namespace;
    change?.(object);
    return this.kube.apply(object, 'kubectl', { force: true, fieldValidation: 'Strict' });
  }

  async applyObject(object: Obj): Promise<Obj> {
    return this.kube.apply({ ...object, metadata: { ...object.metadata, namespace: this.namespace } }, 'kubectl', { force: true });
  }

  async delete(apiVersion: string, kind: string, name: string): Promise<void> {
    await this.kube.delete({ apiVersion, kind, metadata: { namespace: this.namespace, name } });
  }

  async round(): Promise<{ changed: boolean; changes: string[] }> {
    this.rounds++;
    this.clock.now = Math.floor(this.clock.seconds(new Date().toISOString()));
    await provisionVolumes(this.kube, this.namespace);
    await resizeVolumes(this.kube, this.namespace);
    await this.kubelet.step(this.rounds);
    const changes = await this.metacontroller.syncAll();
    // The controllers react to what this round wrote.
    await sleep(300);
    const fingerprint = await this.state();
    if (fingerprint !== this.fingerprint) changes.push('objects changed');
    this.fingerprint = fingerprint;
    return { changed: changes.length > 0, changes };
  }

  /**
   * Rounds until quietRounds in a row change nothing; throws, saying what still changed, after
   * maxRounds. `afterRound` looks at the world after each round, with the round's number.
   */
  async converge({
    maxRounds = 60,
    quietRounds = 3,
    afterRound,
  }: { maxRounds?: number; quietRounds?: number; afterRound?: (round: number) => Promise<void> } = {}): Promise<{ rounds: number }> {
    let quiet = 0;
    let last: string[] = [];
    for (let rounds = 1; rounds <= maxRounds; rounds++) {
      const result = await this.round();
      await afterRound?.(this.rounds);
      last = result.changes;
      quiet = result.changed ? 0 : quiet + 1;
      if (quiet >= quietRounds) return { rounds };
    }
    throw new Error(
      `did not converge in ${maxRounds} rounds; the last still changed: ${last.join(', ')}; errors: ${this.errors.slice(-5).join(' | ')}`,
    );
  }

  failPod(name: string, termination?: { exitCode?: number; message?: string }): Promise<void> {
    return this.kubelet.fail(this.namespace, name, this.rounds, termination);
  }

  async list(apiVersion: string, kind: string): Promise<Obj[]> {
    return (await this.kube.list(apiVersion, kind, this.namespace)).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  }

  async cluster(name: string): Promise<Obj | undefined> {
    return this.kube.get('kubedirector.hpe.com/v1beta1', 'KubeDirectorCluster', this.namespace, name);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async state(): Promise<string> {
    const lists = await Promise.all(WATCHED.map(([apiVersion, kind]) => this.kube.list(apiVersion, kind, this.namespace)));
    return lists
      .flat()
      .map((o) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`)
      .sort()
      .join(',');
  }

  private record(who: string, message: string): void {
    this.errors.push(`round ${this.rounds}: ${who}: ${message}`);
  }
}
