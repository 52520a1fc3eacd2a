import t from 'tap';
import { readFileSync } from 'node:fs';
import { buildServer } from '../../src/server/app.js';
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
  const minimal = readFileSync(repoPath('test/fixtures/requests/sync-minimal.json'), 'utf8');
  await server.inject({ method: 'POST', url: '/finalize', headers: json, payload: minimal });

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
  t.match(text, 'kubedirector_clusters{state="creating"} 1', 'the Spark cluster');
  t.notMatch(text, /kubedirector_clusters\{state="[a-z]+"\} 2/, 'one cluster counted once however often it syncs');
  t.match(text, 'process_cpu_user_seconds_total', 'and the process metrics');
});
