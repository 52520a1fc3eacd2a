// The tensorflow app in the simulator with the real agent running the real setup package: what
// each member's startscript was asked to do (from the agent's log, harvested after every round,
// as a container restart wipes /var/log) and every TF_CONFIG each member had, in order.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realAgents, type Agents } from '../../support/agents.js';
import { catalogObjects } from '../../support/catalog.js';
import { memberWatch } from '../../support/member-watch.js';
import { NAMESPACE, world, type World } from '../../support/world.js';

export const CLUSTER = 'tensorflow-demo';
const PORT = 2222;

export interface TfConfig {
  cluster: { chief: string[]; worker?: string[] };
  task: { type: string; index: number };
}

export interface Lifecycle {
  w: World;
  agents: Agents;
  base: string;
  /** Applies the example cluster with this many workers (and a change). */
  scale: (workers: number, change?: (cluster: any) => void) => void;
  /** Rounds until three are quiet; harvests records after each; the number of rounds, or -1 when it never settled. */
  converge: (maxRounds?: number) => Promise<number>;
  status: () => any;
  /** The pods of a role, as status lists them. */
  pods: (role: string) => string[];
  fqdn: (pod: string) => string;
  address: (pod: string) => string;
  /** The startscript commands a pod ran, in order (`--configure`, `--addnodes --nodegroup 1 ...`). */
  calls: Map<string, string[]>;
  /** Each distinct TF_CONFIG (chief, worker) or cluster file (notebook) a pod had, in order, parsed. */
  configs: Map<string, unknown[]>;
  /** The pod's root: one for all its containers when its /etc is on its PVC (as in the example cluster), else its latest container's. */
  root: (pod: string) => string;
  /** Lines of the agent logs saying something failed. */
  failures: string[];
  notReady: string[];
  close: () => Promise<void>;
}

const CONFIG_FILES = ['etc/guestconfig/tf_config.json', 'etc/guestconfig/tf_cluster.json'];

export async function lifecycle(): Promise<Lifecycle> {
  const base = mkdtempSync(join(tmpdir(), 'kd-tensorflow-'));
  // The kubelet gives KD_CPU_LIMIT from the container's limit (2 cores in the example); the
  // simulated container gets it here. The startscript calls no tool of the app's.
  const agents = realAgents(base, { prepare: () => ({ KD_CPU_LIMIT: '2' }) });
  const w = await world(agents.container);
  for (const object of catalogObjects('tensorflow', NAMESPACE)) w.sim.apply(object);
  const scale = (workers: number, change?: (cluster: any) => void) => {
    w.apply('clusters/tensorflow.yaml', (o) => {
      o.spec.roles.find((r: { id: string }) => r.id === 'worker').members = workers;
      change?.(o);
    });
  };
  const status = () => w.cluster(CLUSTER).status;
  const pods = (role: string): string[] =>
    (status()?.roles ?? []).find((r: { id: string }) => r.id === role)?.members.map((m: { pod: string }) => m.pod) ?? [];
  const fqdn = (pod: string) => `${pod}.${status().clusterService}.${NAMESPACE}.svc.cluster.local`;
  const address = (pod: string) => `${fqdn(pod)}:${PORT}`;
  /** Each pod's roots, in the order they appeared. */
  const roots = new Map<string, string[]>();
  const root = (pod: string) => roots.get(pod)?.at(-1) ?? join(base, pod);

  const calls = new Map<string, string[]>();
  const configs = new Map<string, unknown[]>();
  const failures: string[] = [];
  const seenLines = new Map<string, number>();
  const harvest = () => {
    const names = w.sim.list('Pod', NAMESPACE).map((p) => p.metadata.name);
    for (const dir of readdirSync(base)) {
      const pod = names.find((name) => dir === name || dir.startsWith(`${name}-`));
      if (!pod) continue;
      const path = join(base, dir);
      if (!roots.get(pod)?.includes(path)) roots.set(pod, [...(roots.get(pod) ?? []), path]);
      const log = join(path, 'var/log/guestconfig/agent.log');
      if (existsSync(log)) {
        const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
        // A new container on the same PVC starts a new log.
        const seen = seenLines.get(path) ?? 0;
        for (const line of lines.slice(seen <= lines.length ? seen : 0)) {
          const configure = / running \S+\/startscript (--configure)$/.exec(line);
          const event = / event \S+ attempt \d+: startscript (.*)$/.exec(line);
          const command = configure?.[1] ?? event?.[1];
          if (command) calls.set(pod, [...(calls.get(pod) ?? []), command]);
          if (/failed|exited with status [1-9]/.test(line)) failures.push(`${pod}: ${line}`);
        }
        seenLines.set(path, lines.length);
      }
      for (const file of CONFIG_FILES) {
        const config = join(path, file);
        if (!existsSync(config)) continue;
        const parsed = JSON.parse(readFileSync(config, 'utf8')) as unknown;
        const history = configs.get(pod) ?? [];
        if (JSON.stringify(history.at(-1)) !== JSON.stringify(parsed)) configs.set(pod, [...history, parsed]);
      }
    }
  };

  const { observe, notReady } = memberWatch(agents);
  const converge = async (maxRounds = 80) => {
    let quiet = 0;
    for (let i = 0; i < maxRounds; i++) {
      const result = await w.sim.round();
      harvest();
      observe(w.sim.list('Pod', NAMESPACE), result.round);
      quiet = result.changed ? 0 : quiet + 1;
      if (quiet === 3) return i + 1;
    }
    return -1;
  };
  return {
    w,
    agents,
    base,
    scale,
    converge,
    status,
    pods,
    fqdn,
    address,
    calls,
    configs,
    root,
    failures,
    notReady,
    close: async () => {
      await w.close();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
