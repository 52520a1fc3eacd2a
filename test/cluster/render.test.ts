// `render` as the README shows it, on the real API server: for every example, after its app and
// package are applied, `npm run -s render … | kubectl apply --dry-run=server -f -` succeeds.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { runTool, toolPath, toolsUnavailable } from '../support/k8s-tools.js';
import { repoPath } from '../support/fixtures.js';
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
}
