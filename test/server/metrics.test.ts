import t from 'tap';
import { readFileSync } from 'node:fs';
import { buildServer } from '../../src/server/app.js';
import { hookMetrics } from '../../src/server/metrics.js';
import { repoPath } from '../support/fixtures.js';
import { app, request, stored } from '../support/requests.js';
import { readYaml } from '../support/fixtures.js';

const json = { 'content-type': 'application/json' };

t.test('/metrics exposes hook calls, durations, in-flight calls, rendered children and clusters by state', async (t) => {
  const server = buildServer({ logLevel: 'silent' });
  t.teardown(() => server.close());
  const sync = request({ parent: stored(readYaml('clusters/spark.yaml')), apps: [app('test/fixtures/apps/spark.yaml')] });
  for (let i = 0; i < 3; i++) await server.inject({ method: 'POST', url: '/sync', headers: json, payload: sync });
  await server.inject({ method: 'POST', url: '/sync', headers: json, payload: '{"not": "a request"}' });
  await server.inject({ method: 'POST', url: '/customize', headers: json, payload: { controller: {}, parent: sync.parent } });
  const deleting = readFileSync(repoPath('test/fixtures/requests/finalize-minimal.json'), 'utf8');
  await server.inject({ method: 'POST', url: '/finalize', headers: json, payload: deleting });

  const reply = await server.inject({ url: '/metrics' });
  t.equal(reply.statusCode, 200);
  t.match(reply.headers['content-type'], /^text\/plain/);
  const text = reply.body;
  t.match(text, 'kubedirector_hook_requests_total{hook="sync",outcome="success"} 3');
  t.match(text, 'kubedirector_hook_requests_total{hook="sync",outcome="rejected"} 1');
  t.match(text, 'kubedirector_hook_requests_total{hook="customize",outcome="success"} 1');
  t.match(text, 'kubedirector_hook_requests_total{hook="finalize",outcome="success"} 1');
  t.match(text, /kubedirector_hook_duration_seconds_count\{hook="sync"\} 4/);
  t.match(text, /kubedirector_hook_in_flight\{hook="sync"\} 0/);
  t.match(text, 'kubedirector_rendered_children_total{kind="StatefulSet"} 9', 'three StatefulSets per sync; finalize keeps none');
  t.match(text, 'kubedirector_rendered_children_total{kind="ConfigMap"} 3');
  t.match(text, 'kubedirector_cluster_states_total{state="creating"} 4', 'one per sync and finalize answer');
  t.match(text, 'process_cpu_user_seconds_total', 'and the process metrics');
});

/** The series of the hook server's own metrics: names and label sets, without values. */
const series = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('kubedirector_'))
    .map((line) => line.slice(0, line.lastIndexOf(' ')))
    .sort();

t.test('a kind or state the hooks never render adds no label value', async (t) => {
  const server = buildServer({ logLevel: 'silent' });
  t.teardown(() => server.close());
  const sync = request({ parent: stored(readYaml('clusters/spark.yaml')), apps: [app('test/fixtures/apps/spark.yaml')] });
  const hostile = JSON.parse(JSON.stringify(sync));
  hostile.children['Widget.example.com/v1'] = {
    'analytics/w': { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'analytics' } },
  };
  hostile.parent.status = { state: 'a-state-of-my-own' };
  await server.inject({ method: 'POST', url: '/sync', headers: json, payload: sync });
  const before = series((await server.inject({ url: '/metrics' })).body);
  await server.inject({ method: 'POST', url: '/sync', headers: json, payload: hostile });
  t.same(series((await server.inject({ url: '/metrics' })).body), before, 'the same series after the odd request');

  const metrics = hookMetrics();
  metrics.rendered([{ kind: 'Widget' }, { kind: 'x'.repeat(1024) }, { kind: 'StatefulSet' }], 'a-state-of-my-own');
  metrics.rendered([], undefined);
  const text = await metrics.registry.metrics();
  t.match(text, 'kubedirector_rendered_children_total{kind="other"} 2');
  t.match(text, 'kubedirector_rendered_children_total{kind="StatefulSet"} 1');
  t.match(text, 'kubedirector_cluster_states_total{state="unknown"} 2');
  t.notMatch(text, 'Widget');
  t.notMatch(text, 'a-state-of-my-own');
});

t.test('clusters by state keep no memory per cluster: series stay fixed however many parents sync', async (t) => {
  const server = buildServer({ logLevel: 'silent' });
  t.teardown(() => server.close());
  const base = JSON.parse(readFileSync(repoPath('test/fixtures/requests/sync-minimal.json'), 'utf8'));
  const syncAs = (name: string) => {
    const body = JSON.parse(JSON.stringify(base));
    body.parent.metadata.name = name;
    return server.inject({ method: 'POST', url: '/sync', headers: json, payload: body });
  };
  for (let i = 0; i < 3; i++) await syncAs(`cluster-${i}`);
  const few = series((await server.inject({ url: '/metrics' })).body);
  for (let i = 3; i < 300; i++) t.equal((await syncAs(`cluster-${i}`)).statusCode, 200);
  const many = series((await server.inject({ url: '/metrics' })).body);
  t.same(many, few, '300 distinct parents, the same series as 3');
  t.notMatch(many.join('\n'), 'cluster-', 'no series names a parent');
});
