// The cassandra package's `run` (what agent.sh launch execs) and startscript run directly under
// /bin/sh in a prepared root, with fake cqlsh/gosu/cassandra/nodetool recording what they get.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { repoPath } from '../support/fixtures.js';
import { installFakes, installImageConfig } from './cassandra/fakes.js';

const PACKAGE = new URL(repoPath('catalog/cassandra/package')).pathname;
const fqdn = (pod: string) => `${pod}.kdhs-x.analytics.svc.cluster.local`;
const MEMBERS: [string, string, number][] = [
  ['seed-0', 'seed', 1],
  ['seed-1', 'seed', 2],
  ['worker-0', 'worker', 3],
  ['worker-1', 'worker', 4],
];
const QUERY = '-e SELECT now() FROM system.local';
const cql = (pod: string) => `cqlsh --connect-timeout=5 --request-timeout=5 ${fqdn(pod)} 9042 ${QUERY}`;

function prepared(t: Test, members = MEMBERS) {
  const root = mkdtempSync(join(tmpdir(), 'kd-cassandra-run-'));
  t.teardown(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const bin = installFakes(root);
  installImageConfig(root);
  const config = join(root, 'etc/guestconfig/agent/config');
  mkdirSync(config, { recursive: true });
  // Not in node id order, as a file may be: the scripts sort.
  writeFileSync(
    join(config, 'members'),
    [...members]
      .reverse()
      .map(([pod, role, id]) => `${pod}\t${role}\t${id}\t${fqdn(pod)}\n`)
      .join(''),
  );
  writeFileSync(
    join(config, 'configmeta.json'),
    '{"version":"8","cluster":{"name":"ring-one","isolated":false,"id":"u"},"node":"@kd-node"}\n',
  );
  const exec = (script: 'run' | 'startscript', pod: string, env: Record<string, string> = {}, args: string[] = []) =>
    spawnSync('/bin/sh', [join(PACKAGE, script), ...args], {
      cwd: PACKAGE,
      encoding: 'utf8',
      timeout: 20000,
      env: {
        PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        KD_ROOT: root,
        KD_CONFIG: config,
        KD_POD_NAME: pod,
        KD_MEMORY_LIMIT_MB: '4096',
        KD_CPU_LIMIT: '2',
        KD_CASSANDRA_JOIN_INTERVAL: '0',
        FAKE_RING: join(root, 'ring'),
        FAKE_HOSTS: join(root, 'hosts'),
        FAKE_SELF_IP: '10.0.0.9',
        ...env,
      },
    });
  const calls = () =>
    existsSync(join(root, '.test/calls')) ? readFileSync(join(root, '.test/calls'), 'utf8').split('\n').filter(Boolean) : [];
  const cassandraEnv = () => readFileSync(join(root, '.test/cassandra.env'), 'utf8');
  const failCql = (pod: string, times: number) => {
    writeFileSync(join(root, `.test/cqlsh-fail.${fqdn(pod)}`), `${times}\n`);
  };
  const bootstrapped = () =>
    mkdirSync(join(root, 'var/lib/cassandra/data/system/local-7ad54392bcdd35a684174e047860b377'), { recursive: true });
  return { root, exec, calls, cassandraEnv, failCql, bootstrapped };
}

/** What run execs after any wait: ownership to the image's user, then Cassandra through gosu. */
const start = (root: string) => [
  ...(process.getuid?.() === 0
    ? [
        `chown -R cassandra:cassandra ${root}/var/lib/cassandra ${root}/var/log/cassandra ${root}/etc/cassandra`,
        'gosu cassandra cassandra -f',
      ]
    : []),
  'cassandra -f',
];

t.test('run: the first seed starts at once, in the foreground, with the heap from the memory limit', async (t) => {
  const { root, exec, calls, cassandraEnv } = prepared(t);
  const result = exec('run', 'seed-0');
  t.equal(result.status, 0, result.stderr);
  t.same(calls(), start(root));
  t.equal(cassandraEnv(), 'MAX_HEAP_SIZE=2048M HEAP_NEWSIZE=200M CASSANDRA_CONF=/etc/cassandra\n', 'half of 4096M; 100M per core');
  t.match(result.stdout, /the first seed: starting at once/);
});

t.test('run: a new member waits until every member with a lower node id answers CQL, then joins', async (t) => {
  const { root, exec, calls, failCql } = prepared(t);
  failCql('seed-0', 2);
  failCql('seed-1', 1);
  const result = exec('run', 'worker-0');
  t.equal(result.status, 0, result.stderr);
  t.same(
    calls(),
    [cql('seed-0'), cql('seed-0'), cql('seed-0'), cql('seed-1'), cql('seed-0'), cql('seed-1'), ...start(root)],
    'seed-0 failed twice, seed-1 once; worker-1 (higher) not asked',
  );
  t.equal(result.stdout.match(/waiting for/g)?.length, 3);
  t.match(result.stdout, `waiting for ${fqdn('seed-1')} to answer CQL before joining`);
});

t.test('run: a second seed bootstraps after the first too', async (t) => {
  const { root, exec, calls } = prepared(t);
  t.equal(exec('run', 'seed-1').status, 0);
  t.same(calls(), [cql('seed-0'), ...start(root)]);
});

t.test('run: a member restarting on its data starts at once', async (t) => {
  const { root, exec, calls, failCql, bootstrapped } = prepared(t);
  failCql('seed-0', 5);
  bootstrapped();
  const result = exec('run', 'worker-1');
  t.equal(result.status, 0, result.stderr);
  t.same(calls(), start(root));
  t.match(result.stdout, /restarting on its data/);
});

t.test('run: a member that never answers stops the wait with an error, and Cassandra is not started', async (t) => {
  const { exec, calls, failCql } = prepared(t);
  failCql('seed-0', 100);
  const result = exec('run', 'worker-0', { KD_CASSANDRA_JOIN_TIMEOUT: '0' });
  t.equal(result.status, 1);
  t.equal(result.stderr, `cassandra: ${fqdn('seed-0')} does not answer CQL after 0s: not joining before it\n`);
  t.same(calls(), [cql('seed-0')]);
});

t.test('run: the heap is capped at 8G, and MAX_HEAP_SIZE with HEAP_NEWSIZE set are kept', async (t) => {
  const big = prepared(t);
  t.equal(big.exec('run', 'seed-0', { KD_MEMORY_LIMIT_MB: '65536', KD_CPU_LIMIT: '8' }).status, 0);
  t.equal(big.cassandraEnv(), 'MAX_HEAP_SIZE=8192M HEAP_NEWSIZE=800M CASSANDRA_CONF=/etc/cassandra\n');
  const small = prepared(t);
  t.equal(small.exec('run', 'seed-0', { KD_MEMORY_LIMIT_MB: '2048', KD_CPU_LIMIT: '16' }).status, 0);
  t.equal(
    small.cassandraEnv(),
    'MAX_HEAP_SIZE=1024M HEAP_NEWSIZE=256M CASSANDRA_CONF=/etc/cassandra\n',
    'young generation at most a quarter',
  );
  const set = prepared(t);
  t.equal(set.exec('run', 'seed-0', { MAX_HEAP_SIZE: '3G', HEAP_NEWSIZE: '300M' }).status, 0);
  t.equal(set.cassandraEnv(), 'MAX_HEAP_SIZE=3G HEAP_NEWSIZE=300M CASSANDRA_CONF=/etc/cassandra\n');
});

t.test('run: a pod not in the members fails', async (t) => {
  const { exec, calls } = prepared(t);
  const result = exec('run', 'stranger-0');
  t.equal(result.status, 1);
  t.match(result.stderr, /pod stranger-0 is not in .*members/);
  t.same(calls(), []);
});

t.test('startscript --configure: seeds are the first three seeds by node id, without the member itself unless first', async (t) => {
  const members: [string, string, number][] = [
    ['seed-0', 'seed', 1],
    ['seed-1', 'seed', 2],
    ['seed-2', 'seed', 3],
    ['seed-3', 'seed', 5],
    ['worker-0', 'worker', 4],
  ];
  const seedsOf = (pod: string, env: Record<string, string> = {}) => {
    const { root, exec } = prepared(t, members);
    const result = exec('startscript', pod, env, ['--configure']);
    t.equal(result.status, 0, result.stderr);
    const yaml = parse(readFileSync(join(root, 'etc/cassandra/cassandra.yaml'), 'utf8'));
    return [yaml.cluster_name, yaml.seed_provider[0].parameters[0].seeds, yaml.listen_address];
  };
  const three = [fqdn('seed-0'), fqdn('seed-1'), fqdn('seed-2')];
  t.same(seedsOf('seed-0'), ['ring-one', three.join(','), fqdn('seed-0')], 'the first seed lists itself');
  t.same(seedsOf('seed-1'), ['ring-one', [three[0], three[2]].join(','), fqdn('seed-1')], 'another seed does not, so it bootstraps');
  t.same(seedsOf('seed-3'), ['ring-one', three.join(','), fqdn('seed-3')]);
  t.same(seedsOf('worker-0'), ['ring-one', three.join(','), fqdn('worker-0')]);
  t.same(seedsOf('worker-0', { CASSANDRA_CLUSTER_NAME: 'legacy', CASSANDRA_DC: 'east' })[0], 'legacy', 'CASSANDRA_CLUSTER_NAME wins');
});

t.test('startscript --configure writes the rack file, and fails plainly without the image file', async (t) => {
  const { root, exec } = prepared(t);
  t.equal(exec('startscript', 'worker-0', { CASSANDRA_DC: 'east', CASSANDRA_RACK: 'r2' }, ['--configure']).status, 0);
  t.equal(readFileSync(join(root, 'etc/cassandra/cassandra-rackdc.properties'), 'utf8'), 'dc=east\nrack=r2\n');
  const bare = prepared(t);
  rmSync(join(bare.root, 'etc/cassandra/cassandra.yaml'));
  const result = bare.exec('startscript', 'worker-0', {}, ['--configure']);
  t.equal(result.status, 1);
  t.equal(result.stderr, `cassandra: ${bare.root}/etc/cassandra/cassandra.yaml not found\n`);
});

t.test('startscript --leave: nothing to hand over where Cassandra never started, nor once decommissioned', async (t) => {
  const never = prepared(t);
  writeFileSync(join(never.root, 'ring'), '');
  const result = never.exec('startscript', 'worker-1', {}, [
    '--leave',
    '--nodegroup',
    '1',
    '--role',
    'worker',
    '--fqdns',
    fqdn('worker-1'),
  ]);
  t.equal(result.status, 0, result.stderr);
  t.same(never.calls(), ['nodetool netstats']);
  t.match(result.stdout, /never started on this member/);

  const done = prepared(t);
  writeFileSync(join(done.root, 'ring'), `10.0.0.9 LEFT 6d194555-f6eb-41d0-c000-000000000009 ${fqdn('worker-1')}\n`);
  t.equal(done.exec('startscript', 'worker-1', {}, ['--leave', '--fqdns', fqdn('worker-1')]).status, 0);
  t.same(done.calls(), ['nodetool netstats'], 'already decommissioned: not again');
});

t.test('startscript --delnodes: a member missing from DNS is reported, not guessed', async (t) => {
  const { root, exec, calls } = prepared(t);
  writeFileSync(
    join(root, 'ring'),
    `10.0.0.9 UN 6d194555-f6eb-41d0-c000-000000000009 ${fqdn('seed-0')}\n10.0.0.7 DN 6d194555-f6eb-41d0-c000-000000000007 gone\n`,
  );
  writeFileSync(join(root, 'hosts'), '');
  const result = exec('startscript', 'seed-0', {}, ['--delnodes', '--nodegroup', '1', '--role', 'worker', '--fqdns', fqdn('worker-9')]);
  t.equal(result.status, 0, result.stderr);
  t.same(calls(), ['nodetool status']);
  t.match(result.stdout, `${fqdn('worker-9')}: no address; if it is still in nodetool status, remove it by hand`);
});
