// Fake versions of what the cassandra image runs, for the real setup package under test: each
// records its calls (`<tool> <args>`) in the container root's /.test/calls, which outlives
// container restarts. `nodetool` answers from one ring shared by every member (a file), as
// Cassandra's gossip would: `<ip> <state> <host id> <fqdn>` lines, state UN (up), DN (down), or
// LEFT (decommissioned: no longer in `nodetool status`, its own netstats says DECOMMISSIONED).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../../src/api/meta.js';
import { TEST_RECORDS } from '../../support/agents.js';
import { repoPath } from '../../support/fixtures.js';

const record = (tool: string) => `printf '%s\\n' "${tool} $*" >>"$KD_ROOT${TEST_RECORDS}/calls"`;

export const FAKE_TOOLS: Record<string, string> = {
  nodetool: `#!/bin/sh
${record('nodetool')}
ring=$FAKE_RING
state=$(awk -v ip="$FAKE_SELF_IP" '$1 == ip { print $2 }' "$ring")
refused() {
  echo "nodetool: Failed to connect to '127.0.0.1:7199' - ConnectException: 'Connection refused (Connection refused)'." >&2
  exit 1
}
case $1 in
  netstats)
    case $state in
      UN) echo "Mode: NORMAL" ;;
      LEFT) echo "Mode: DECOMMISSIONED" ;;
      *) refused ;;
    esac
    echo "Not sending any streams."
    ;;
  status)
    [ "$state" = UN ] || refused
    echo "Datacenter: dc1"
    echo "==============="
    echo "Status=Up/Down"
    echo "|/ State=Normal/Leaving/Joining/Moving"
    echo "--  Address    Load        Tokens  Owns (effective)  Host ID                               Rack"
    awk '$2 != "LEFT" { printf "%s  %-9s  104.5 KiB   16      50.0%%             %s  rack1\\n", $2, $1, $3 }' "$ring"
    ;;
  decommission)
    [ "$state" = UN ] || refused
    awk -v ip="$FAKE_SELF_IP" '$1 == ip { $2 = "LEFT" } { print }' "$ring" >"$ring.tmp" && mv "$ring.tmp" "$ring"
    ;;
  removenode)
    [ "$state" = UN ] || refused
    if awk -v id="$2" '$3 == id && $2 == "DN" { found = 1; next } { print } END { exit !found }' "$ring" >"$ring.tmp"; then
      mv "$ring.tmp" "$ring"
    else
      rm -f "$ring.tmp"
      echo "error: Host ID not found or not down" >&2
      exit 2
    fi
    ;;
  *)
    echo "fake nodetool: $1 is not faked" >&2
    exit 2
    ;;
esac
`,
  // Fails for a host as many times as /.test/cqlsh-fail.<host> says, then answers.
  cqlsh: `#!/bin/sh
${record('cqlsh')}
host=
for a in "$@"; do
  case $a in -*) ;; *) host=$a; break ;; esac
done
left="$KD_ROOT${TEST_RECORDS}/cqlsh-fail.$host"
n=$(cat "$left" 2>/dev/null || echo 0)
if [ "$n" -gt 0 ]; then
  echo $((n - 1)) >"$left"
  echo "Connection error: ('Unable to connect to any servers', {'$host:9042': ConnectionRefusedError(111)})" >&2
  exit 1
fi
echo " system.now()"
`,
  cassandra: `#!/bin/sh
${record('cassandra')}
printf 'MAX_HEAP_SIZE=%s HEAP_NEWSIZE=%s CASSANDRA_CONF=%s\\n' "\${MAX_HEAP_SIZE:-}" "\${HEAP_NEWSIZE:-}" "\${CASSANDRA_CONF:-}" >>"$KD_ROOT${TEST_RECORDS}/cassandra.env"
`,
  gosu: `#!/bin/sh
${record('gosu')}
shift
exec "$@"
`,
  chown: `#!/bin/sh
${record('chown')}
`,
  getent: `#!/bin/sh
[ "$1" = hosts ] || exit 2
awk -v name="$2" '$2 == name { print $1 "  " $2; found = 1 } END { exit !found }' "$FAKE_HOSTS"
`,
};

/** Installs the fake tools into root/fakebin; returns that directory. */
export function installFakes(root: string): string {
  const bin = join(root, 'fakebin');
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(root, TEST_RECORDS), { recursive: true });
  for (const [name, script] of Object.entries(FAKE_TOOLS)) writeFileSync(join(bin, name), script, { mode: 0o755 });
  return bin;
}

/** The image's default cassandra.yaml (an excerpt of 5.0's), under root as the image has it, unless there. */
export function installImageConfig(root: string): void {
  const conf = join(root, 'etc/cassandra');
  if (existsSync(join(conf, 'cassandra.yaml'))) return;
  mkdirSync(conf, { recursive: true });
  writeFileSync(join(conf, 'cassandra.yaml'), readFileSync(repoPath('test/catalog/cassandra/cassandra.yaml')));
  writeFileSync(join(conf, 'cassandra-rackdc.properties'), 'dc=dc1\nrack=rack1\n');
}

export const ipOf = (nodeId: number) => `10.0.0.${nodeId}`;
export const hostIdOf = (nodeId: number) => `6d194555-f6eb-41d0-c000-${String(nodeId).padStart(12, '0')}`;

export interface RingEntry {
  ip: string;
  state: string;
  hostId: string;
  fqdn: string;
}

/**
 * The members' shared world: the ring, the DNS names, and which pod runs Cassandra. A member
 * joins the ring (UN, with a system keyspace on its data directory) once it is configured, as
 * its `run` would start Cassandra then; it joins only once, so a decommissioned node stays out.
 */
export function cassandraWorld(base: string) {
  const ringFile = join(base, 'ring');
  const hostsFile = join(base, 'hosts');
  writeFileSync(ringFile, '');
  writeFileSync(hostsFile, '');
  const ipOfPod = new Map<string, string>();
  const joined = new Set<string>();
  const roots = new Map<string, string>();

  const ring = (): RingEntry[] =>
    readFileSync(ringFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [ip, state, hostId, fqdn] = line.split(' ') as [string, string, string, string];
        return { ip, state, hostId, fqdn };
      });
  const writeRing = (entries: RingEntry[]) => {
    writeFileSync(ringFile, entries.map((e) => `${e.ip} ${e.state} ${e.hostId} ${e.fqdn}\n`).join(''));
  };

  const prepare = (root: string, pod: KubeObject): Record<string, string> => {
    const name = pod.metadata.name;
    roots.set(name, root);
    const bin = installFakes(root);
    installImageConfig(root);
    const members = join(root, 'etc/kubedirector/members');
    const own = existsSync(members)
      ? readFileSync(members, 'utf8')
          .split('\n')
          .map((l) => l.split('\t'))
          .find((f) => f[0] === name)
      : undefined;
    if (own && !ipOfPod.has(name)) {
      const [, , nodeId, fqdn] = own as [string, string, string, string];
      const ip = ipOf(Number(nodeId));
      ipOfPod.set(name, ip);
      writeFileSync(hostsFile, `${readFileSync(hostsFile, 'utf8')}${ip} ${fqdn}\n`);
    }
    if (own && !joined.has(name) && existsSync(join(root, 'etc/guestconfig/agent/configured'))) {
      const [, , nodeId, fqdn] = own as [string, string, string, string];
      joined.add(name);
      writeRing([...ring(), { ip: ipOf(Number(nodeId)), state: 'UN', hostId: hostIdOf(Number(nodeId)), fqdn }]);
      mkdirSync(join(root, 'var/lib/cassandra/data/system/local-7ad54392bcdd35a684174e047860b377'), { recursive: true });
    }
    return {
      PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      FAKE_RING: ringFile,
      FAKE_HOSTS: hostsFile,
      FAKE_SELF_IP: ipOfPod.get(name) ?? '0.0.0.0',
    };
  };

  /** Every fake tool call of a pod so far, in order. */
  const calls = (pod: string): string[] => {
    const root = roots.get(pod);
    const file = root && join(root, TEST_RECORDS, 'calls');
    return file && existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  };

  /** The startscript runs the agent logged for a pod: `--configure`, then each event's arguments. */
  const events = (pod: string): string[] => {
    const root = roots.get(pod);
    const log = root && join(root, 'var/log/guestconfig/agent.log');
    if (!log || !existsSync(log)) return [];
    return readFileSync(log, 'utf8')
      .split('\n')
      .flatMap((line) => {
        if (/ running \S+ --configure$/.test(line)) return ['--configure'];
        const event = / event \S+ attempt \d+: startscript (.*)$/.exec(line);
        return event ? [event[1]!] : [];
      });
  };

  const setState = (fqdn: string, state: string) => {
    writeRing(ring().map((e) => (e.fqdn === fqdn ? { ...e, state } : e)));
  };

  return { prepare, ring, setState, calls, events, root: (pod: string) => roots.get(pod) };
}
