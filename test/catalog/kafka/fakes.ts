// Fake Kafka tools for the kafka app's setup package, installed into a member's root: each appends
// `<tool> <args>` to $KD_ROOT/.test/calls (which outlives container restarts) and answers from
// one cluster state shared by every member (FAKE_KAFKA_STATE): the topics' partition replicas.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_RECORDS } from '../../support/agents.js';

export interface Partition {
  topic: string;
  partition: number;
  replicas: number[];
}

// A tool is a sh wrapper running its .cjs body with a plain node: without the test runner's
// NODE_OPTIONS (its loaders would make each call slow and take the body for ESM).
const wrapper = (body: string) => `#!/bin/sh\nNODE_OPTIONS= exec '${process.execPath}' '${body}' "$0" "$@"\n`;

const record = `
const fs = require('node:fs');
const path = require('node:path');
const root = process.env.KD_ROOT || '';
const records = path.join(root, ${JSON.stringify(TEST_RECORDS)});
fs.mkdirSync(records, { recursive: true });
const args = process.argv.slice(3);
const tool = path.basename(process.argv[2]);
fs.appendFileSync(path.join(records, 'calls'), [tool, ...args].join(' ') + '\\n');
const arg = (name) => args[args.indexOf(name) + 1];
const stateFile = path.join(process.env.FAKE_KAFKA_STATE || '/nonexistent', 'topics.json');
const topics = () => (fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : []);
`;

const tools: Record<string, string> = {
  // Writes meta.properties into log.dirs, as the real one does, so a second format would show.
  'opt/kafka/bin/kafka-storage.sh': `${record}
const props = Object.fromEntries(fs.readFileSync(arg('-c'), 'utf8').split('\\n').filter((l) => l.includes('=') && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const dir = path.join(root, props['log.dirs']);
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'meta.properties'), 'version=1\\ncluster.id=' + arg('-t') + '\\nnode.id=' + props['node.id'] + '\\n');
`,
  'opt/kafka/bin/kafka-topics.sh': `${record}
if (args.includes('--describe')) {
  for (const p of topics()) {
    process.stdout.write('\\tTopic: ' + p.topic + '\\tPartition: ' + p.partition + '\\tLeader: ' + p.replicas[0] + '\\tReplicas: ' + p.replicas.join(',') + '\\tIsr: ' + p.replicas.join(',') + '\\tElr: \\tLastKnownElr: \\n');
  }
}
`,
  // --execute applies the plan to the shared state at once and keeps a copy of it.
  'opt/kafka/bin/kafka-reassign-partitions.sh': `${record}
if (args.includes('--execute')) {
  const plan = JSON.parse(fs.readFileSync(arg('--reassignment-json-file'), 'utf8'));
  fs.writeFileSync(path.join(records, 'plan.json'), JSON.stringify(plan));
  const state = topics();
  for (const move of plan.partitions) state.find((p) => p.topic === move.topic && p.partition === move.partition).replicas = move.replicas;
  fs.writeFileSync(stateFile, JSON.stringify(state));
}
`,
  // Records its argv and environment, and exits.
  'opt/kafka/bin/kafka-server-start.sh': `${record}
fs.appendFileSync(path.join(records, 'calls'), 'env KAFKA_HEAP_OPTS=' + (process.env.KAFKA_HEAP_OPTS || '') + '\\n');
`,
  'fakebin/chown': record,
  // Runs the command after the options, as GNU chroot to / does, failing when asked to.
  'fakebin/chroot': `${record}
if (process.env.FAKE_NO_CHROOT) process.exit(125);
const command = args.slice(args.indexOf('/') + 1);
const result = require('node:child_process').spawnSync(command[0], command.slice(1), { stdio: 'inherit' });
process.exit(result.status ?? 1);
`,
  'fakebin/busybox': record,
};

/** Installs the fake tools into a member's root (idempotently) and returns the environment that finds them. */
export function installFakes(root: string, state: string): Record<string, string> {
  for (const [file, body] of Object.entries(tools)) {
    const path = join(root, file);
    if (existsSync(path)) continue;
    const impl = join(root, '.fakes', `${file.replaceAll('/', '_')}.cjs`);
    mkdirSync(join(root, '.fakes'), { recursive: true });
    writeFileSync(impl, body);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, wrapper(impl));
    chmodSync(path, 0o755);
  }
  return { PATH: `${join(root, 'fakebin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, FAKE_KAFKA_STATE: state, KAFKA_LEAVE_POLL: '0' };
}

/** The fake tools' calls in a member's root, in order. */
export function toolCalls(root: string): string[] {
  const file = join(root, TEST_RECORDS, 'calls');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

export function writeTopics(state: string, partitions: Partition[]): void {
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, 'topics.json'), JSON.stringify(partitions));
}

export function readTopics(state: string): Partition[] {
  return JSON.parse(readFileSync(join(state, 'topics.json'), 'utf8')) as Partition[];
}

/** A Java-style properties file as key/value pairs (comments and blank lines left out). */
export function parseProperties(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .filter((l) => l.includes('=') && !l.startsWith('#'))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const);
  return Object.fromEntries(entries);
}
