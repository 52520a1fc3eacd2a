// Fixtures for the guest agent tests: a temporary root with the ConfigMap and Secret directories
// written by hand (as the kubelet would mount them), fake setup packages, and a way to run the
// real src/guest/agent.sh with a real shell. See src/guest/PROTOCOL.md.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The member channel directory, as mounted in members. */
export const CHANNEL = '/etc/kubedirector-channel';
export const AGENT_PATH = fileURLToPath(new URL('../../src/guest/agent.sh', import.meta.url));

export interface Member {
  pod: string;
  role: string;
  nodeID: number;
  fqdn: string;
}

/** An event line: its id, the comma-separated roles that run it, then the startscript arguments. */
export type GuestEvent = [id: string, roles: string, ...args: string[]];

/** A membership event (addnodes, delnodes, leave) about role `worker`, for the given roles to run. */
export const membership = (name: string, id: string, fqdns: string, roles = 'worker'): GuestEvent => [
  id,
  roles,
  `--${name}`,
  '--nodegroup',
  '1',
  '--role',
  'worker',
  '--fqdns',
  fqdns,
];

export interface Injection {
  url: string;
  destDir: string;
  mode?: string;
  owner?: string;
  group?: string;
}

export interface Publication {
  generation: number;
  members: Member[];
  events?: GuestEvent[];
  injections?: Record<string, Injection[]>;
  /** Replaces the configmeta built from `members`. */
  configmeta?: string;
  /** Setup packages the ConfigMap carries, by role (package.<role>.tgz, for members without KD_PACKAGE_KEY). */
  packages?: Record<string, Buffer>;
  /** Setup packages the ConfigMap carries, by key (KD_PACKAGE_KEY). */
  carried?: Record<string, Buffer>;
}

export const DOMAIN = 'demo.ns.svc.cluster.local';
export const fqdn = (pod: string) => `${pod}.${DOMAIN}`;
export const member = (pod: string, role: string, nodeID: number): Member => ({ pod, role, nodeID, fqdn: fqdn(pod) });

/** The member's own `node` section, as the hooks render it into `nodes`. */
export function nodeSection(m: Member) {
  return {
    role_id: m.role,
    node_id: String(m.nodeID),
    nodegroup_id: '1',
    hostname: m.fqdn,
    fqdn: m.fqdn,
    domain: DOMAIN,
    distro_id: 'example/app',
    depends_on: {},
  };
}

/** An upstream-shaped configmeta with the three kinds of placeholders. */
export function configmetaFor(members: Member[]) {
  const roles: Record<string, { node_ids: string[]; fqdns: string[]; hostnames: string[]; secret_keys: string }> = {};
  for (const m of members) {
    const role = (roles[m.role] ??= { node_ids: [], fqdns: [], hostnames: [], secret_keys: `@kd-secret-keys:${m.role}` });
    role.node_ids.push(String(m.nodeID));
    role.fqdns.push(m.fqdn);
    role.hostnames.push(m.fqdn);
  }
  return {
    version: '7',
    services: {},
    nodegroups: { '1': { roles, distro_id: 'example/app', catalog_entry_version: '1.0', config_metadata: {} } },
    distros: { 'example/app': { '1': { roles: Object.keys(roles) } } },
    // A placeholder's text inside another string is not a placeholder.
    cluster: {
      name: 'demo',
      id: 'uid-1',
      isolated: false,
      description: 'members replace "@kd-node" themselves',
      note: 'ends in "@kd-node',
    },
    node: '@kd-node',
    connections: { clusters: {}, configmaps: {}, secrets: '@kd-connected-secrets' },
  };
}

const lines = (rows: string[][]) => rows.map((r) => r.join('\t') + '\n').join('');

// --- the fake startscript ---------------------------------------------------------------------

/**
 * Appends one line per call to $KD_ROOT/startscript.calls: `<argument count>|<arguments joined
 * by spaces>`, and its working directory to $KD_ROOT/startscript.cwd. Prints the content of
 * $KD_ROOT/noise (if any) to both outputs and $KD_ROOT/noise.err to stderr, then one line to
 * stdout and one to stderr; fails with the status
 * written in $KD_ROOT/fail-<event> when that file exists.
 */
export const FAKE_STARTSCRIPT = `#!/bin/sh
root=\${KD_ROOT:?}
printf '%s|%s\\n' "$#" "$*" >>"$root/startscript.calls"
pwd >>"$root/startscript.cwd"
event=\${1#--}
if [ -f "$root/noise" ]; then cat "$root/noise"; cat "$root/noise" >&2; fi
if [ -f "$root/noise.err" ]; then cat "$root/noise.err" >&2; fi
if [ -f "$root/fail-$event" ]; then
  echo "$event failing as asked"
  echo "$event error details" >&2
  exit "$(cat "$root/fail-$event")"
fi
echo "stdout of $event"
echo "stderr of $event" >&2
`;

/** What the fake startscript prints for an event. */
export function startscriptOutput(event: string, options: { noise?: string; errNoise?: string; failing?: boolean } = {}) {
  const noise = options.noise ?? '';
  const errNoise = noise + (options.errNoise ?? '');
  return options.failing
    ? { stdout: `${noise}${event} failing as asked\n`, stderr: `${errNoise}${event} error details\n` }
    : { stdout: `${noise}stdout of ${event}\n`, stderr: `${errNoise}stderr of ${event}\n` };
}

/**
 * A real .tgz setup package built with the system tar: `nested` puts the startscript at
 * <dir>/startscript (upstream's layout), `flat` at the top, `none` ships no startscript.
 */
export function buildPackage(workDir: string, layout: 'nested' | 'flat' | 'none' = 'nested', version?: string): Buffer {
  const staging = join(workDir, `package-${layout}-${Math.random().toString(36).slice(2)}`);
  const scriptDir = layout === 'nested' ? join(staging, 'app-setup') : staging;
  mkdirSync(scriptDir, { recursive: true });
  writeFileSync(join(scriptDir, 'README'), 'a fake setup package\n');
  // Another version of the package: other content, the same behaviour.
  if (version !== undefined) writeFileSync(join(scriptDir, 'VERSION'), `${version}\n`);
  if (layout !== 'none') writeFileSync(join(scriptDir, 'startscript'), FAKE_STARTSCRIPT, { mode: 0o644 });
  const out = `${staging}.tgz`;
  execFileSync('tar', ['czf', out, '-C', staging, '.']);
  const bytes = readFileSync(out);
  rmSync(staging, { recursive: true, force: true });
  rmSync(out, { force: true });
  return bytes;
}

// --- running the agent -------------------------------------------------------------------------

export interface AgentResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** The process group the agent ran in, with ownProcessGroup. */
  processGroup?: number;
}

export interface GuestOptions {
  pod: string;
  role: string;
  packageUrl?: string;
  events?: string;
  maxLog?: number;
  env?: Record<string, string>;
}

export interface RunOptions {
  /** The shell and its leading arguments; /bin/sh by default. */
  shell?: string[];
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Runs the agent in a process group of its own, as a container's processes are: what it starts can be stopped together. */
  ownProcessGroup?: boolean;
}

/** One member's container: a temporary root, its environment, and the agent run inside it. */
export class Guest {
  readonly env: Record<string, string>;

  constructor(
    readonly root: string,
    options: GuestOptions,
  ) {
    this.env = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      KD_ROOT: root,
      KD_POD_NAME: options.pod,
      KD_ROLE: options.role,
      KD_PACKAGE_URL: options.packageUrl ?? '',
      KD_EVENTS: options.events ?? 'configure addnodes delnodes',
      KD_MAX_LOG: String(options.maxLog ?? 1024),
      KD_SYSTEMD: '0',
      ...options.env,
    };
  }

  /** A path inside the root, e.g. path('/etc/guestconfig/configmeta.json'). */
  path(absolute: string) {
    return join(this.root, absolute);
  }

  write(absolute: string, content: string | Buffer, mode?: number) {
    const file = this.path(absolute);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    if (mode !== undefined) chmodSync(file, mode);
  }

  read(absolute: string): string | undefined {
    const file = this.path(absolute);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  /**
   * Writes the ConfigMap directory as the kubelet mounts it (0444 files), or as the member
   * sidecar writes it into the channel.
   */
  publish(p: Publication, where: 'volume' | 'channel' = 'volume') {
    const data: Record<string, string | Buffer> = {
      generation: `${p.generation}\n`,
      'configmeta.json': p.configmeta ?? JSON.stringify(configmetaFor(p.members)) + '\n',
      nodes: lines(p.members.map((m) => [m.pod, JSON.stringify(nodeSection(m))])),
      members: lines(p.members.map((m) => [m.pod, m.role, String(m.nodeID), m.fqdn])),
      fqdns: lines(p.members.map((m) => [m.fqdn])),
      events: lines(p.events ?? []),
    };
    for (const role of new Set(p.members.map((m) => m.role))) {
      data[`fqdns.${role}`] = lines(p.members.filter((m) => m.role === role).map((m) => [m.fqdn]));
    }
    for (const [role, list] of Object.entries(p.injections ?? {})) {
      data[`injections.${role}`] = lines(list.map((i) => [i.url, i.destDir, i.mode ?? '', i.owner ?? '', i.group ?? '']));
    }
    for (const [role, bytes] of Object.entries(p.packages ?? {})) data[`package.${role}.tgz`] = bytes;
    Object.assign(data, p.carried);
    const dir = where === 'volume' ? '/etc/kubedirector' : `${CHANNEL}/config`;
    rmSync(this.path(dir), { recursive: true, force: true });
    for (const [name, content] of Object.entries(data)) this.write(`${dir}/${name}`, content, 0o444);
  }

  /** The progress file the agent leaves for the sidecar: key to the rest of its line. */
  progress(): Record<string, string> | undefined {
    const text = this.read(`${CHANNEL}/progress`);
    if (text === undefined) return undefined;
    return Object.fromEntries(
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('\t')), line.slice(line.indexOf('\t') + 1)]),
    );
  }

  /** Writes the Secret directory: secret-keys.<role>.json for each role, connected-secrets.json. */
  writeSecrets(secretKeys: Record<string, object>, connected: object = {}) {
    const dir = this.path('/etc/kubedirector-secrets');
    rmSync(dir, { recursive: true, force: true });
    for (const [role, keys] of Object.entries(secretKeys)) {
      this.write(`/etc/kubedirector-secrets/secret-keys.${role}.json`, JSON.stringify(keys) + '\n', 0o444);
    }
    this.write('/etc/kubedirector-secrets/connected-secrets.json', JSON.stringify(connected) + '\n', 0o444);
  }

  run(command: string, options: RunOptions = {}): Promise<AgentResult> {
    const [shell = '/bin/sh', ...shellArgs] = options.shell ?? ['/bin/sh'];
    const env: Record<string, string> = { ...this.env };
    for (const [k, v] of Object.entries(options.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(shell, [...shellArgs, AGENT_PATH, command], {
        env,
        cwd: this.root,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: options.ownProcessGroup === true,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        // A detached grandchild may still hold the pipes: let go of them too.
        child.stdout.destroy();
        child.stderr.destroy();
        reject(new Error(`agent.sh ${command} did not finish within ${options.timeoutMs ?? 15000} ms`));
      }, options.timeoutMs ?? 15000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, ms: Date.now() - started, ...(options.ownProcessGroup ? { processGroup: child.pid } : {}) });
      });
    });
  }

  /** One pass; rejects when the agent prints to stderr or exits with an unexpected status. */
  async step(expectCode = 0, options: RunOptions = {}) {
    const result = await this.run('step', options);
    if (result.code !== expectCode) {
      throw new Error(`agent.sh step exited ${result.code}, expected ${expectCode}\nstderr: ${result.stderr}\nlog:\n${this.log()}`);
    }
    return result;
  }

  async ready() {
    return (await this.run('ready')).code === 0;
  }

  async alive() {
    return (await this.run('alive')).code === 0;
  }

  /** The first line of a state file in /etc/guestconfig/agent, undefined when absent. */
  state(name: string) {
    return this.read(`/etc/guestconfig/agent/${name}`)?.split('\n')[0];
  }

  /** Every call of the fake startscript so far: `<argc>|<args>`. */
  calls(): string[] {
    return (this.read('/startscript.calls') ?? '').split('\n').filter(Boolean);
  }

  /** Makes the fake startscript fail for one event (e.g. `configure`) with this status. */
  failEvent(event: string, status = 3) {
    this.write(`/fail-${event}`, `${status}\n`);
  }

  healEvent(event: string) {
    rmSync(this.path(`/fail-${event}`), { force: true });
  }

  termination() {
    return this.read('/dev/termination-log');
  }

  log() {
    return this.read('/var/log/guestconfig/agent.log') ?? '';
  }

  configmeta(): unknown {
    return JSON.parse(this.read('/etc/guestconfig/configmeta.json') ?? 'null');
  }

  mode(absolute: string) {
    return statSync(this.path(absolute)).mode & 0o777;
  }
}

/** The failure report as the agent must write it (see PROTOCOL.md, "Failure report"). */
export const failureReport = (reason: string, stdout: string, stderr: string) =>
  `kubedirector: configure failed: ${reason}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}\n`;

/** Polls until check() returns a value other than undefined/false, or fails after timeoutMs. */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 10000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Whether a command is on PATH (as `command -v` in sh tells). */
export function have(command: string) {
  try {
    execFileSync('/bin/sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A bin directory with every command of PATH except the named ones (to hide curl or wget). */
export function pathWithout(workDir: string, hidden: string[]): string {
  const bin = join(workDir, `bin-without-${hidden.join('-')}`);
  mkdirSync(bin, { recursive: true });
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    if (!dir || !existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (hidden.includes(name) || existsSync(join(bin, name))) continue;
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  return bin;
}
