// Real guest agents for the simulator: each pod's app container is a temporary root into which
// the ConfigMap and Secret the hooks rendered are "mounted" (every round, or every
// `volumeRefreshSeconds` as a kubelet refreshes them), and the agent script from that ConfigMap
// is run with /bin/sh (step, then the readiness probe), as the kubelet runs it. Beside it, the
// member sidecar's part: the channel's copy of the ConfigMap and Secret, kept current every round,
// and the agent's progress file reported on the member's Lease.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/meta.js';
import { mountedConfig, type ContainerOutcome, type ObjectSource } from '../../src/sim/index.js';
import { PROGRESS_ANNOTATION, annotationValue } from '../../src/member/progress.js';
import { CHANNEL } from './guest.js';

interface PodView {
  spec: {
    volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
    containers: { name: string; env?: { name: string; value?: string }[]; volumeMounts?: { name: string; mountPath: string }[] }[];
  };
  status?: { containerStatuses?: { name: string; containerID?: string }[] };
}

function mount(dir: string, files: Record<string, string>, encoding: 'utf8' | 'base64') {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), Buffer.from(content, encoding), { mode: 0o444 });
}

/** The ConfigMap's files: data as text, binaryData decoded. */
function mountConfigMap(dir: string, configMap: KubeObject) {
  mount(dir, (configMap.data ?? {}) as Record<string, string>, 'utf8');
  for (const [name, content] of Object.entries((configMap.binaryData ?? {}) as Record<string, string>)) {
    writeFileSync(join(dir, name), Buffer.from(content, 'base64'));
  }
}

const readIfThere = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

/**
 * A new container on the same PVC: everything in root goes except the persisted directories
 * (absolute paths), as the container filesystem is new and the PVC's subPaths are not.
 */
function newContainerFilesystem(root: string, kept: string[], dir = '/'): void {
  if (!existsSync(join(root, dir))) return;
  for (const name of readdirSync(join(root, dir))) {
    const path = `${dir === '/' ? '' : dir}/${name}`;
    if (kept.includes(path)) continue;
    if (kept.some((k) => k.startsWith(`${path}/`))) newContainerFilesystem(root, kept, path);
    else rmSync(join(root, path), { recursive: true, force: true });
  }
}

/** Where fake tools in a container's root keep their records, which outlive container restarts. */
export const TEST_RECORDS = '/.test';

export interface AgentOptions {
  /** Whether the sidecar keeps the channel's copy of the configuration (default true): without it, members read only the volumes. Progress is reported either way. */
  sidecar?: boolean;
  /** How often the kubelet refreshes the ConfigMap and Secret volumes, in simulated seconds (default: every round). */
  volumeRefreshSeconds?: number;
  /**
   * Readies a container's root before each agent step (e.g. installs fake versions of the app's
   * tools) and returns environment the container has besides the rendered one (e.g. PATH).
   */
  prepare?: (root: string, pod: KubeObject) => Record<string, string>;
}

export interface Agents {
  container: (pod: KubeObject, source: ObjectSource) => Promise<ContainerOutcome>;
  /** Every startscript call of a pod so far (its fake package logs them): `<argc>|<args>`. */
  calls(pod: string): string[];
  /** Pods whose startscript --configure fails (exit 3) until they are removed from the set. */
  failing: Set<string>;
  /** Pods whose startscript fails (exit 4) for these events (addnodes, delnodes, leave) until removed. */
  failingEvents: Map<string, string[]>;
}

/**
 * Containers running the real agent. A container's root outlives its restarts when the pod
 * keeps /etc on a PVC (as the agent's state does); otherwise each container starts afresh.
 */
export function realAgents(base: string, options: AgentOptions = {}): Agents {
  const { sidecar = true, volumeRefreshSeconds = 0, prepare } = options;
  const failing = new Set<string>();
  const failingEvents = new Map<string, string[]>();
  const roots = new Map<string, string[]>();
  /** When each root's volumes were last refreshed, and for which pod its channel is. */
  const refreshed = new Map<string, number>();
  const channelPod = new Map<string, string>();
  /** The app container each persistent root last ran. */
  const ranContainer = new Map<string, string>();
  const container = async (object: KubeObject, source: ObjectSource): Promise<ContainerOutcome> => {
    const pod = object as unknown as KubeObject & PodView;
    const app = pod.spec.containers[0]!;
    const volume = (name: string) => pod.spec.volumes?.find((v) => v.name === name);
    const { configMap, secret } = await mountedConfig(pod, source);
    if (!configMap || !secret) return { ready: false };

    const persistent = app.volumeMounts?.some((m) => m.mountPath === '/etc' && volume(m.name)?.persistentVolumeClaim);
    const containerID = pod.status?.containerStatuses?.find((c) => c.name === 'app')?.containerID ?? 'new';
    const key = persistent ? pod.metadata.name : `${pod.metadata.name}-${containerID.slice(-12)}`;
    const root = join(base, key);
    if (!roots.has(pod.metadata.name)) roots.set(pod.metadata.name, []);
    if (!roots.get(pod.metadata.name)!.includes(root)) roots.get(pod.metadata.name)!.push(root);
    if (persistent && ranContainer.has(root) && ranContainer.get(root) !== containerID) {
      const claimed = (app.volumeMounts ?? []).filter((m) => volume(m.name)?.persistentVolumeClaim).map((m) => m.mountPath);
      // The test's own records (the fake package's calls, fake tools' logs under /.test) are not the container's.
      newContainerFilesystem(root, [...claimed, '/startscript.calls', TEST_RECORDS]);
    }
    ranContainer.set(root, containerID);
    const last = refreshed.get(root);
    if (last === undefined || source.seconds - last >= volumeRefreshSeconds) {
      mountConfigMap(join(root, 'etc/kubedirector'), configMap);
      mount(join(root, 'etc/kubedirector-secrets'), (secret.data ?? {}) as Record<string, string>, 'base64');
      refreshed.set(root, source.seconds);
    }
    // The channel is an emptyDir: it lives as long as the pod, not the container or the PVC.
    const channel = join(root, CHANNEL);
    const uid = pod.metadata.uid ?? '';
    if (channelPod.get(root) !== uid) {
      rmSync(channel, { recursive: true, force: true });
      mkdirSync(channel, { recursive: true });
      channelPod.set(root, uid);
    }
    if (sidecar) {
      mountConfigMap(join(channel, 'config'), configMap);
      mount(join(channel, 'secrets'), (secret.data ?? {}) as Record<string, string>, 'base64');
    }
    if (failing.has(pod.metadata.name)) writeFileSync(join(root, 'fail-configure'), '3');
    else rmSync(join(root, 'fail-configure'), { force: true });
    for (const event of ['addnodes', 'delnodes', 'leave']) {
      if (failingEvents.get(pod.metadata.name)?.includes(event)) writeFileSync(join(root, `fail-${event}`), '4');
      else rmSync(join(root, `fail-${event}`), { force: true });
    }

    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', KD_ROOT: root };
    for (const variable of app.env ?? []) if (variable.value !== undefined) env[variable.name] = variable.value;
    env.KD_POD_NAME = pod.metadata.name;
    Object.assign(env, prepare?.(root, pod));
    const agent = (command: string) =>
      spawnSync('/bin/sh', [join(root, 'etc/kubedirector/agent.sh'), command], { env, encoding: 'utf8', timeout: 15000 });
    const step = agent('step');
    // The sidecar reports what the agent wrote, whatever the pass's outcome.
    const progress = readIfThere(join(channel, 'progress'));
    if (progress !== undefined) {
      const value = annotationValue(progress, uid, {
        stdout: readIfThere(join(channel, 'notify.stdout')),
        stderr: readIfThere(join(channel, 'notify.stderr')),
      });
      await source.annotate('Lease', pod.metadata.namespace ?? 'default', pod.metadata.name, PROGRESS_ANNOTATION, value);
    }
    if (step.status === 1) {
      const message = readFileSync(join(root, 'dev/termination-log'), 'utf8');
      return { terminated: { exitCode: 1, message } };
    }
    if (step.status !== 0) throw new Error(`agent step in ${pod.metadata.name} exited ${step.status}: ${step.stderr}`);
    return { ready: agent('ready').status === 0 };
  };
  const calls = (pod: string) =>
    (roots.get(pod) ?? []).flatMap((root) => {
      const file = join(root, 'startscript.calls');
      return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    });
  return { container, calls, failing, failingEvents };
}
