// The control plane itself: the versions it was built at, and the controllers the hooks rely on.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { freshNamespace, useControlPlane } from './support/cluster.js';
import { sleep, until } from './support/poll.js';

const session = await useControlPlane(t);
if (session) {
  const { kube } = session;
  const pinned = /k8s\.io\/kubernetes v(\S+)/.exec(readFileSync(new URL('./controlplane/go.mod', import.meta.url), 'utf8'))![1];

  t.test('kube-apiserver reports the release pinned in go.mod', async (t) => {
    const version = await kube.request('GET', '/version');
    t.equal(version.gitVersion, `v${pinned}`);
    t.equal(`${version.major}.${version.minor}`, pinned!.split('.').slice(0, 2).join('.'));
  });

  t.test('the StatefulSet controller creates pods and the garbage collector removes them with their owner', async (t) => {
    const ns = await freshNamespace(kube, 'controlplane-smoke');
    const labels = { app: 'smoke' };
    const sts = await kube.create({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'smoke', namespace: ns },
      spec: {
        serviceName: 'smoke',
        replicas: 2,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    const podNames = async () => (await kube.list('v1', 'Pod', ns)).map((p) => p.metadata.name).sort();
    await until('the first pod', async () => (await podNames()).length > 0, 30_000, 200);
    // Long enough for the controller to have made a second pod, were it going to.
    await sleep(2000);
    let pods = await podNames();
    // Pods are created in order: smoke-1 only once smoke-0 is Running and Ready, which needs a kubelet.
    t.same(pods, ['smoke-0'], 'OrderedReady: the first pod, and no second while it is not ready');
    await kube.delete(sts, { propagationPolicy: 'Foreground' });
    pods = await until('the pods to go', async () => {
      const left = await podNames();
      return left.length === 0 && left;
    }).catch(podNames);
    t.same(pods, [], 'the pod went with its StatefulSet');
  });
}
