// The README's kubectl and render commands, taken from README.md and run exactly as written, in a
// clean checkout, against the real control plane (its kubeconfig's namespace a fresh one). The
// simulator's Metacontroller and kubelet stand in for what this machine lacks, so the outputs the
// README describes (pods, Services, the kdcluster columns, status fields) are there to check.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { toolPath, toolsUnavailable } from '../support/k8s-tools.js';
import { readYaml, repoPath } from '../support/fixtures.js';
import { cleanCheckout, readmeCommand } from '../support/readme-commands.js';
import { freshNamespace, prepareCluster, useControlPlane } from './support/cluster.js';
import { RealWorld } from './support/driver.js';

t.setTimeout(600_000);

const skip = toolsUnavailable();
const session = skip ? undefined : await useControlPlane(t);
if (skip) t.plan(0, skip);
if (session) {
  const { kube, plane } = session;
  await prepareCluster(kube);
  const ns = await freshNamespace(kube, 'readme');
  // `kubectl apply -k catalog` installs into kubedirector, which the install makes first.
  if (!(await kube.get('v1', 'Namespace', undefined, 'kubedirector')))
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubedirector' } }).catch(() => undefined);

  const checkout = cleanCheckout();
  t.teardown(checkout.cleanup);
  const home = join(checkout.dir, '.home');
  mkdirSync(home);
  // The reader's kubeconfig: the control plane's, its current namespace this file's own.
  const kubeconfig = join(home, 'kubeconfig');
  const config = JSON.parse(readFileSync(plane.kubeconfig, 'utf8')) as { contexts: { context: { namespace: string } }[] };
  config.contexts[0]!.context.namespace = ns;
  writeFileSync(kubeconfig, JSON.stringify(config));
  const env = {
    PATH: `${dirname(toolPath('kubectl')!)}:${process.env.PATH}`,
    HOME: home,
    KUBECONFIG: kubeconfig,
  };
  /** One README command, through bash as a reader's shell runs it, in the clean checkout. */
  const sh = (command: string) => {
    const result = spawnSync('bash', ['-o', 'pipefail', '-c', command], { cwd: checkout.dir, encoding: 'utf8', env });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const run = (t: Test, start: string) => {
    const command = readmeCommand(start);
    const result = sh(command);
    t.equal(result.status, 0, `${command}\n${result.stderr}`);
    return result.stdout;
  };

  const w = await RealWorld.start(kube, ns, 'dynamic-apply');
  t.teardown(() => w.close());

  t.test('install an app, the catalog, and run the Spark example', async (t) => {
    t.match(run(t, 'kubectl wait --for=condition=Established crd --all'), /kubedirectorclusters\.kubedirector\.hpe\.com condition met/);
    t.match(run(t, 'kubectl apply -f catalog/spark/ '), /kubedirectorapp\.kubedirector\.hpe\.com\/spark created/);
    t.match(run(t, 'kubectl apply -k catalog '), /kubedirectorapp\.kubedirector\.hpe\.com\/cassandra (created|unchanged|configured)/);
    t.match(run(t, 'kubectl get kdapp -n kubedirector'), /^NAME\s.*\n(.*\n)*spark\s/);
    t.match(run(t, 'kubectl apply -f clusters/spark.yaml '), /kubedirectorcluster\.kubedirector\.hpe\.com\/spark-demo created/);
    const { rounds } = await w.converge();
    t.same(w.errors, [], `Metacontroller (simulated) and the real controllers converged in ${rounds} rounds`);

    const pods = run(t, 'kubectl get pods');
    t.equal(pods.trim().split('\n').length, 1 + 4, 'four pods: controller, two workers, jupyter');
    const claims = await kube.list('v1', 'PersistentVolumeClaim', ns);
    t.same(
      claims.map((c) => c.spec.resources.requests.storage),
      ['10Gi', '10Gi'],
      'a 10Gi PVC for each worker',
    );
    t.match(run(t, 'kubectl get service'), /^NAME\s+TYPE\s+CLUSTER-IP/);
    const shown = /# (NAME.*)$/.exec(readmeCommand('kubectl get kdcluster '))![1]!;
    const table = run(t, 'kubectl get kdcluster ');
    t.equal(table.split('\n')[0]!.split(/\s+/).join(' '), shown.split(/\s+/).join(' '), 'the columns the README shows');
    t.match(table, /\nspark-demo\s+spark\s+configured\s+4\s+4\s+AllMembersReady\s/);
  });

  t.test("the controller's Service, scaling, and the status fields the README names", async (t) => {
    const service = run(t, 'kubectl get kdcluster spark-demo -o jsonpath=');
    t.ok((await kube.get('v1', 'Service', ns, service)) !== undefined, `${service} is a Service`);

    run(t, 'kubectl patch kdcluster spark-demo --type json ');
    const { rounds } = await w.converge();
    t.same(w.errors, [], `scaled in ${rounds} rounds`);
    const status = (parse(run(t, 'kubectl get kdcluster spark-demo -o yaml')) as { status: any }).status;
    const workers = status.roles.find((r: { id: string }) => r.id === 'worker').members as Record<string, unknown>[];
    t.equal(workers.length, 4, 'four workers');
    const fields = /members\[\]: (.*)$/.exec(readmeCommand('kubectl get kdcluster spark-demo -o yaml'))![1]!.split(', ');
    for (const member of workers)
      t.ok(
        fields.every((field) => field in member),
        `${String(member.pod)}: ${fields.join(', ')}`,
      );
  });

  t.test('stop and resume, and kubectl wait, as the prose writes them', async (t) => {
    const readme = readFileSync(repoPath('README.md'), 'utf8');
    const inline = (pattern: RegExp) => {
      const found = pattern.exec(readme)?.[1];
      t.ok(found, `README.md says ${String(pattern)}`);
      return (found ?? 'false').replace(/\s+/g, ' ');
    };
    const stop = inline(/`(kubectl patch kdcluster spark-demo\s+--type merge -p '\{"spec":\{"stopped":true\}\}')`/);
    t.equal(sh(stop).status, 0, stop);
    await w.converge();
    t.match(run(t, 'kubectl get kdcluster '), /\nspark-demo\s+spark\s+stopped\s+6\s+0\s+Stopped\s/, 'STATE stopped');
    const resume = stop.replace('"stopped":true', '"stopped":false');
    t.equal(sh(resume).status, 0, resume);
    await w.converge();
    const wait = inline(/`(kubectl wait --for=condition=Ready kdcluster\/spark-demo)`/);
    const waited = sh(wait);
    t.equal(waited.status, 0, `${wait}: ${waited.stderr}`);
    t.match(waited.stdout, 'kubedirectorcluster.kubedirector.hpe.com/spark-demo condition met');
    t.same(w.errors, []);
  });

  t.test('render, piped to kubectl, and from standard input', async (t) => {
    t.match(
      run(t, 'kubectl apply -f catalog/spark/ -f clusters/spark.yaml'),
      /kubedirectorcluster\.kubedirector\.hpe\.com\/spark-demo (unchanged|configured)/,
    );
    t.match(run(t, 'npm run -s render -- -f clusters/spark.yaml'), /statefulset\.apps\/\S+ created \(server dry run\)/);
    // The reader's own cluster: the example under another name.
    const mine = readYaml<{ metadata: { name: string } }>('clusters/spark.yaml');
    mine.metadata.name = 'my-spark';
    writeFileSync(join(checkout.dir, 'my-cluster.yaml'), JSON.stringify(mine));
    const objects = parseAllDocuments(run(t, 'npm run -s render -- -f - ')).map((d) => d.toJS() as { metadata: { namespace: string } });
    t.ok(objects.length > 0 && objects.every((o) => o.metadata.namespace === 'data'), 'every object in namespace data');
  });
}
