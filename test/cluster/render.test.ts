// `render` as the README shows it, on the real API server: for every example, after its app and
// package are applied, `npm run -s render … | kubectl apply --dry-run=server -f -` succeeds. And
// what `kubectl get kdcluster` shows of the status the hooks report, through the CRD's columns.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { runTool, toolPath, toolsUnavailable } from '../support/k8s-tools.js';
import { readYaml, repoPath } from '../support/fixtures.js';
import { convergedExample } from '../support/fuzz.js';
import { OPTIONS, run, stored } from '../support/requests.js';
import { sync } from '../../src/reconcile/sync.js';
import { freshNamespace, installCrds, useControlPlane } from './support/cluster.js';

const examples = readdirSync(repoPath('clusters')).filter((f) => f.endsWith('.yaml'));

const skip = toolsUnavailable();
const session = skip ? undefined : await useControlPlane(t);
if (skip) t.plan(0, skip);
if (session) {
  const { kube, plane } = session;
  await installCrds(kube, 'crds', 'kubectl');
  const ns = await freshNamespace(kube, 'cli-render');
  const env = { KUBECONFIG: plane.kubeconfig };

  for (const file of examples) {
    t.test(`${file}: render | kubectl apply --dry-run=server -f -`, async (t) => {
      const app = (parse(readFileSync(repoPath(`clusters/${file}`), 'utf8')) as { spec: { app: string } }).spec.app;
      const installed = runTool('kubectl', ['apply', '-n', ns, '-f', `catalog/${app}/`, '-f', `clusters/${file}`], { env });
      t.equal(installed.status, 0, installed.stderr);
      const pipeline = `set -o pipefail; npm run -s render -- -f clusters/${file} -f catalog/${app}/ -n ${ns} | ${toolPath('kubectl')} apply --dry-run=server -f -`;
      const result = spawnSync('bash', ['-c', pipeline], { cwd: repoPath('').pathname, encoding: 'utf8', env: { ...process.env, ...env } });
      t.equal(result.status, 0, result.stderr);
      t.equal(result.stderr, '');
      t.match(result.stdout, /statefulset\.apps\/\S+ created \(server dry run\)/);
      t.match(result.stdout, /persistentvolumeclaim\/\S+ created \(server dry run\)/);
      t.match(result.stdout, /role\.rbac\.authorization\.k8s\.io\/\S+ created \(server dry run\)/);
      t.match(result.stdout, /lease\.coordination\.k8s\.io\/\S+ created \(server dry run\)/);
    });
  }

  t.test('kubectl get kdcluster: STATE, MEMBERS and READY of a healthy cluster, REASON of one whose app is missing', async (t) => {
    const manifest = readYaml<{ metadata: { name: string } }>('clusters/spark.yaml');
    const statuses = {
      // The status the hooks report once the Spark example has converged, and the first one of a
      // cluster whose app is not installed.
      'printer-healthy': sync(convergedExample('clusters/spark.yaml'), OPTIONS).status,
      'printer-no-app': run({ parent: stored(manifest) }).status,
    };
    for (const [name, status] of Object.entries(statuses)) {
      const created = await kube.create({ ...structuredClone(manifest), metadata: { name, namespace: ns } });
      await kube.updateStatus({ ...created, status });
    }
    const table = runTool('kubectl', ['get', 'kdcluster', '-n', ns, ...Object.keys(statuses)], { env });
    t.equal(table.status, 0, table.stderr);
    // Columns by the header's offsets, as kubectl pads them: an empty cell stays empty.
    const [header = '', ...lines] = table.stdout.trimEnd().split('\n');
    const starts = [...header.matchAll(/\S+/g)].map((match) => match.index);
    const cells = (line: string) => starts.map((start, i) => line.slice(start, starts[i + 1]).trim());
    t.same(cells(header), ['NAME', 'APP', 'STATE', 'MEMBERS', 'READY', 'REASON', 'AGE']);
    const row = (name: string) => {
      const [, app, state, members, ready, reason] = cells(lines.find((line) => line.startsWith(`${name} `)) ?? '');
      return { app, state, members, ready, reason };
    };
    t.same(row('printer-healthy'), { app: 'spark', state: 'configured', members: '4', ready: '4', reason: 'AllMembersReady' });
    t.match(row('printer-no-app'), { app: 'spark', reason: 'Invalid' }, 'why it does not start is in the list');
  });
}
