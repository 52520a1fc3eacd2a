// A real Kubernetes control plane for the tests in test/cluster: etcd, kube-apiserver and
// kube-controller-manager, built from Go modules by test/cluster/controlplane/build.sh and started
// on loopback, on free ports, with certificates made here and a fresh data directory per run.
//
// Test files run in separate processes, so one instance per tap run is shared through a
// directory named after the tap runner's pid (the parent of every test process): the first file
// that needs it starts it (under a lock), the others find it running. Runs side by side never
// share one. The tap `before` script stops what runs whose runner is gone left behind, the
// `after` script stops this run's processes by pid and keeps the logs only when a test of the
// group failed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kube } from './kube.js';
import { sleep } from './poll.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BUILD = join(REPO, 'test', 'cluster', 'controlplane', 'build.sh');
/** Where the runs of this checkout keep their state, certificates, data and logs. */
const ROOT = join(tmpdir(), 'kubedirector-hooks-controlplane', createHash('sha256').update(REPO).digest('hex').slice(0, 12));
/** This run's directory: tap's runner is the parent of the before and after scripts and of every test file. */
const RUN = join(ROOT, `run-${process.ppid}`);
const STATE_FILE = 'state.json';
const LOCK = join(RUN, 'lock');
const FAILED = 'failed';

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  server: string;
  /** PEM files: the cluster CA, and a client certificate of system:masters. */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** A kubeconfig for kubectl and helm, with the same identity. */
  kubeconfig: string;
  /** Directory of etcd.log, kube-apiserver.log and kube-controller-manager.log. */
  logs: string;
  /** The private key that signs service account tokens (PEM file). */
  serviceAccountKeyFile: string;
}

interface State extends ControlPlane {
  pids: number[];
  version: string;
}

/** Why this machine cannot run the group, or undefined when it can. */
export function controlPlaneUnavailable(): string | undefined {
  if (spawnSync('go', ['version']).status !== 0) {
    return 'go is not on the PATH: the real control plane (test/cluster) is skipped; install Go 1.26+ to run it';
  }
  if (spawnSync('openssl', ['version']).status !== 0) return 'openssl is not on the PATH: the real control plane (test/cluster) is skipped';
  return undefined;
}

/** Builds (or finds in the cache) the binaries and returns their directory. */
export function buildControlPlane(): string {
  const result = spawnSync('sh', [BUILD], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`${BUILD} failed with status ${result.status}`);
  return result.stdout.trim().split('\n').at(-1)!;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readState(run = RUN): State | undefined {
  try {
    return JSON.parse(readFileSync(join(run, STATE_FILE), 'utf8')) as State;
  } catch {
    return undefined;
  }
}

/** A lock shared by the test processes of a run: mkdir is atomic. */
async function withLock<T>(body: () => Promise<T>): Promise<T> {
  mkdirSync(RUN, { recursive: true });
  for (let waited = 0; ; waited += 100) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (waited > 180_000) throw new Error(`timed out waiting for ${LOCK}`);
      await sleep(100);
    }
  }
  try {
    return await body();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, the API server's serving certificate, an admin client certificate and the service account key pair. */
function makeCertificates(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const days = '30';
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    days,
    '-subj',
    '/CN=kubedirector-hooks-test-ca',
  );
  const sign = (name: string, subject: string, extensions: string) => {
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl(
      dir,
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      days,
      '-extfile',
      `${name}.ext`,
    );
  };
  sign(
    'apiserver',
    '/CN=kube-apiserver',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes.default.svc\n',
  );
  sign(
    'admin',
    '/O=system:masters/CN=kubedirector-hooks-test-admin',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  );
  openssl(dir, 'genrsa', '-out', 'sa.key', '2048');
  openssl(dir, 'rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
}

function kubeconfigFor(plane: Omit<ControlPlane, 'kubeconfig' | 'logs' | 'serviceAccountKeyFile'>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: plane.server, 'certificate-authority': plane.caFile } }],
    users: [{ name: 'admin', user: { 'client-certificate': plane.certFile, 'client-key': plane.keyFile } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin', namespace: 'default' } }],
    'current-context': 'test',
  });
}

function startProcess(binary: string, args: string[], log: string): number {
  const fd = openSync(log, 'a');
  // Detached: the processes outlive the test file that started them; the after script stops them.
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  if (!child.pid) throw new Error(`could not start ${binary}`);
  return child.pid;
}

async function waitFor(what: string, check: () => Promise<boolean>, pids: number[], logs: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    const dead = pids.filter((pid) => !alive(pid));
    if (dead.length) throw new Error(`waiting for ${what}: process ${dead.join(', ')} exited; see the logs in ${logs}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; see the logs in ${logs}`);
    await sleep(200);
  }
}

async function start(): Promise<State> {
  const bin = buildControlPlane();
  const run = RUN;
  const certs = join(run, 'certs');
  const logs = join(run, 'logs');
  mkdirSync(logs, { recursive: true });
  makeCertificates(certs);
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${apiPort}`;
  const plane = { server, caFile: join(certs, 'ca.crt'), certFile: join(certs, 'admin.crt'), keyFile: join(certs, 'admin.key') };
  const kubeconfig = join(run, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigFor(plane));
  const pids: number[] = [];

  pids.push(
    startProcess(
      join(bin, 'etcd'),
      [
        `--data-dir=${join(run, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
        // The data is thrown away after the run: durability buys nothing here.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      join(logs, 'etcd.log'),
    ),
  );
  try {
    pids.push(
      startProcess(
        join(bin, 'kube-apiserver'),
        [
          `--etcd-servers=http://127.0.0.1:${etcdClient}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--cert-dir=${join(run, 'apiserver')}`,
          `--tls-cert-file=${join(certs, 'apiserver.crt')}`,
          `--tls-private-key-file=${join(certs, 'apiserver.key')}`,
          `--client-ca-file=${join(certs, 'ca.crt')}`,
          '--authorization-mode=RBAC',
          '--service-cluster-ip-range=10.0.0.0/24',
          '--service-account-issuer=https://kubernetes.default.svc',
          `--service-account-key-file=${join(certs, 'sa.pub')}`,
          `--service-account-signing-key-file=${join(certs, 'sa.key')}`,
          '--allow-privileged=true',
          '--profiling=false',
          '--v=1',
        ],
        join(logs, 'kube-apiserver.log'),
      ),
    );
    const kube = new Kube({ ...plane });
    await waitFor('kube-apiserver /readyz', async () => (await kube.raw('GET', '/readyz')).status === 200, pids, logs);

    pids.push(
      startProcess(
        join(bin, 'kube-controller-manager'),
        [
          `--kubeconfig=${kubeconfig}`,
          '--leader-elect=false',
          '--secure-port=0',
          // The controllers whose behaviour the hooks depend on; no node lifecycle, no scheduler.
          '--controllers=statefulset-controller,namespace-controller,service-cidr-controller,garbage-collector-controller,persistentvolumeclaim-protection-controller,persistentvolume-binder-controller,serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller,endpointslice-controller',
          `--service-account-private-key-file=${join(certs, 'sa.key')}`,
          `--root-ca-file=${join(certs, 'ca.crt')}`,
          '--concurrent-statefulset-syncs=5',
          '--v=1',
        ],
        join(logs, 'kube-controller-manager.log'),
      ),
    );
    // Pods need the namespace's default ServiceAccount, which the controller manager creates.
    await waitFor(
      'the default ServiceAccount',
      async () => (await kube.raw('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
      pids,
      logs,
    );
    const { gitVersion } = (await kube.request('GET', '/version')) as { gitVersion: string };
    return { ...plane, kubeconfig, logs, serviceAccountKeyFile: join(certs, 'sa.key'), pids, version: gitVersion };
  } catch (error) {
    await stopProcesses(pids);
    throw error;
  }
}

/** The shared control plane of this run, started on first use. */
export async function controlPlane(): Promise<ControlPlane> {
  return withLock(async () => {
    const state = readState();
    if (state && state.pids.every(alive)) return state;
    if (state) await stopProcesses(state.pids);
    const fresh = await start();
    writeFileSync(join(RUN, STATE_FILE), JSON.stringify(fresh, null, 2));
    return fresh;
  });
}

/** Marks the run as failed, so that the after script keeps the logs. */
export function markFailed(): void {
  mkdirSync(RUN, { recursive: true });
  writeFileSync(join(RUN, FAILED), '');
}

async function stopProcesses(pids: number[]): Promise<void> {
  // The controller manager first, etcd last: each stops cleanly while what it talks to is up.
  for (const pid of [...pids].reverse()) {
    if (!alive(pid)) continue;
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; alive(pid) && waited < 10_000; waited += 100) await sleep(100);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

/**
 * Stops a run's processes by the pids it recorded and removes its directory, unless a test marked
 * the run as failed: then its logs stay, and their path is returned.
 */
async function finish(run: string): Promise<string | undefined> {
  const state = readState(run);
  if (state) await stopProcesses(state.pids);
  if (existsSync(join(run, FAILED))) {
    for (const entry of readdirSync(run)) if (entry !== 'logs') rmSync(join(run, entry), { recursive: true, force: true });
    return join(run, 'logs');
  }
  rmSync(run, { recursive: true, force: true });
  return undefined;
}

/** This run's end (the after script). */
export const stopControlPlane = () => finish(RUN);

/** What runs whose tap runner is gone left running (the before script). */
export async function reapStaleRuns(): Promise<void> {
  if (!existsSync(ROOT)) return;
  for (const entry of readdirSync(ROOT)) {
    const runner = Number(/^run-(\d+)$/.exec(entry)?.[1]);
    if (runner && !alive(runner) && existsSync(join(ROOT, entry, STATE_FILE))) await finish(join(ROOT, entry));
  }
}
