// The install manifests on the real API server: the kustomize base and the Helm chart, rendered
// by the real kubectl and helm, pass `kubectl apply --dry-run=server`.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { runTool, toolsUnavailable } from '../support/k8s-tools.js';
import { chartCopy, helmTemplateResult, kustomizeOutput, parseObjects } from '../support/metacontroller.js';
import { installCrds, useControlPlane } from './support/cluster.js';
import { until } from './support/poll.js';

/**
 * Stands in for the CompositeController CRD that Metacontroller's own install brings (its chart
 * or manifests): cluster-scoped, group metacontroller.k8s.io, version v1alpha1. Only the API
 * server's acceptance of the object is under test here, not Metacontroller's schema.
 */
const COMPOSITE_CONTROLLER_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  // *.k8s.io groups are protected: a CRD in one must say it is not an approved Kubernetes API.
  metadata: {
    name: 'compositecontrollers.metacontroller.k8s.io',
    annotations: { 'api-approved.kubernetes.io': 'unapproved, a test stand-in for the CRD Metacontroller installs' },
  },
  spec: {
    group: 'metacontroller.k8s.io',
    scope: 'Cluster',
    names: { plural: 'compositecontrollers', singular: 'compositecontroller', kind: 'CompositeController', shortNames: ['cc'] },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

const skip = toolsUnavailable();
const session = skip ? undefined : await useControlPlane(t);
if (skip) t.plan(0, skip);
if (session) {
  const { kube, plane } = session;
  await installCrds(kube, 'crds', 'kubectl');
  await kube.apply(COMPOSITE_CONTROLLER_CRD, 'kubectl', { force: true });
  // A dry run creates nothing, so the namespace the manifests install into must exist already.
  if (!(await kube.get('v1', 'Namespace', undefined, 'kubedirector')))
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubedirector' } });
  await until('the CompositeController CRD to be accepted', async () => {
    const crd = await kube.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, COMPOSITE_CONTROLLER_CRD.metadata.name);
    return Boolean(crd?.status?.acceptedNames?.kind);
  });

  const dryRun = (manifests: string) =>
    runTool('kubectl', ['apply', '--dry-run=server', '--server-side', '--field-manager=kubectl', '-f', '-'], {
      env: { KUBECONFIG: plane.kubeconfig },
      input: manifests,
    });

  t.test('the kustomize base passes a server-side dry run', async (t) => {
    const result = dryRun(kustomizeOutput());
    t.equal(result.status, 0, result.stderr);
    t.match(result.stdout, /compositecontroller\.metacontroller\.k8s\.io\/kubedirectorclusters serverside-applied \(server dry run\)/);
    t.match(result.stdout, /deployment\.apps\/kubedirector-hooks serverside-applied \(server dry run\)/);
    t.match(result.stdout, /secret\/kubedirector-hooks-auth serverside-applied \(server dry run\)/);
    const policy = dryRun(readFileSync('metacontroller/networkpolicy.yaml', 'utf8'));
    t.equal(policy.status, 0, policy.stderr);
    t.match(policy.stdout, /networkpolicy\.networking\.k8s\.io\/kubedirector-hooks serverside-applied \(server dry run\)/);
  });

  t.test('an upgrade keeps the installed token: the chart looks the Secret up', async (t) => {
    const token = 'installed-token-kept-across-upgrades-000000000000';
    // As the installed release left it: owned by Helm's release kubedirector-hooks.
    const installed = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'kubedirector-hooks-auth',
        namespace: 'kubedirector',
        labels: { 'app.kubernetes.io/managed-by': 'Helm' },
        annotations: { 'meta.helm.sh/release-name': 'kubedirector-hooks', 'meta.helm.sh/release-namespace': 'kubedirector' },
      },
      data: { token: Buffer.from(token).toString('base64') },
    };
    await kube.apply(installed, 'kubectl', { force: true });
    t.teardown(() => kube.delete(installed));
    const copy = chartCopy();
    t.teardown(copy.cleanup);
    // A server dry run of the install renders with lookup answered by the API server.
    const result = runTool(
      'helm',
      ['upgrade', '--install', 'kubedirector-hooks', copy.dir, '--namespace', 'kubedirector', '--dry-run=server', '--skip-crds'],
      { env: { KUBECONFIG: plane.kubeconfig } },
    );
    t.equal(result.status, 0, result.stderr);
    const secret = parseObjects(result.stdout.slice(result.stdout.indexOf('MANIFEST:') + 'MANIFEST:'.length).split('\nNOTES:')[0]!).find(
      (o) => o.kind === 'Secret' && o.metadata.name === 'kubedirector-hooks-auth',
    );
    t.equal(Buffer.from(secret?.data.token ?? '', 'base64').toString(), token);
  });

  t.test('helm template of the chart passes a server-side dry run', async (t) => {
    for (const set of [[], ['catalog.enabled=true']]) {
      const rendered = helmTemplateResult({ includeCrds: true, set });
      t.equal(rendered.status, 0, rendered.stderr);
      const result = dryRun(rendered.stdout);
      t.equal(result.status, 0, `--set ${set.join(',') || '(defaults)'}: ${result.stderr}`);
      t.match(result.stdout, /deployment\.apps\/kubedirector-hooks serverside-applied \(server dry run\)/);
    }
  });
}
