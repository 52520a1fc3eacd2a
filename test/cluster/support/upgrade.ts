// Another version of the app on the real control plane: the real StatefulSet controller replaces
// the pods the partition lets it, real guest agents on persisted /etc configure again with the new
// package. One member unconfigured at a time; a broken version pauses; pointing back rolls back.
import type { Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageKey } from '../../../src/reconcile/render/packages.js';
import { realAgents } from '../../support/agents.js';
import { buildPackage } from '../../support/guest.js';
import { memberWatch, type PodView } from '../../support/member-watch.js';
import { freshNamespace, prepareCluster, type Session } from './cluster.js';
import { RealWorld } from './driver.js';
import type { Obj } from './kube.js';
import type { ApplyStrategy } from '../../../src/sim/metacontroller/config.js';

const PODS = ['workers-worker-0', 'workers-worker-1', 'workers-worker-2'];
const ready = (p: PodView) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** The upgrade scenario under one of Metacontroller's apply strategies. */
export async function runUpgrade(t: Test, { kube }: Session, strategy: ApplyStrategy): Promise<void> {
  await prepareCluster(kube);
  await t.test(
    `${strategy}: 1.0 -> 2.0 one member at a time; 3.0 fails and pauses; back to 2.0 rolls back the failed member`,
    async (t) => {
      const base = mkdtempSync(join(tmpdir(), 'kd-agents-'));
      t.teardown(() => {
        rmSync(base, { recursive: true, force: true });
      });
      let broken = '';
      const agents = realAgents(base, {
        // The 3.0 package's configure fails (exit 3): a broken release.
        prepare: (root, pod) => {
          const key = (pod.spec as Obj).containers[0].env.find((e: Obj) => e.name === 'KD_PACKAGE_KEY')?.value;
          if (key === broken) writeFileSync(join(root, 'fail-configure'), '3');
          return {};
        },
      });
      const ns = await freshNamespace(kube, `upgrade-${strategy === 'dynamic-apply' ? 'da' : 'ssa'}`);
      const w = await RealWorld.start(kube, ns, strategy, agents.container);
      t.teardown(() => w.close());

      const install = async (name: string, version: string) => {
        await w.apply('test/fixtures/scenarios/workers-app.yaml', (app) => {
          app.metadata.name = name;
          app.spec.version = version;
          app.spec.roles[0].configPackage = { packageURL: `configmap://${name}-setup/appconfig.tgz` };
        });
        const content = buildPackage(base, 'nested', version).toString('base64');
        await w.applyObject({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `${name}-setup`, labels: { 'kubedirector.hpe.com/setup-package-for': name } },
          binaryData: { 'appconfig.tgz': content },
        });
        return packageKey('worker', content);
      };
      const point = (app: string) =>
        w.apply('test/fixtures/scenarios/workers-cluster.yaml', (o) => {
          o.spec.app = app;
          o.spec.roles[0].storage = { size: '1Gi' };
        });
      const status = async () => (await w.cluster('workers'))?.status as Obj;
      const rolledOut = async () => (await status()).conditions.find((c: Obj) => c.type === 'RolledOut');
      const pods = async () => (await w.list('v1', 'Pod')) as unknown as PodView[];
      const uids = async () => Object.fromEntries((await pods()).map((p) => [p.metadata.name, p.metadata.uid]));
      const statefulSet = async () => (await w.list('apps/v1', 'StatefulSet'))[0] as Obj;

      let mostDown = 0;
      const replaced: string[] = [];
      const seen = new Map<string, string | undefined>();
      const watch = memberWatch(agents);
      const afterRound = async (round: number) => {
        const now = await pods();
        watch.observe(now, round);
        const up = now.filter((p) => PODS.includes(p.metadata.name) && ready(p) && !p.metadata.deletionTimestamp);
        mostDown = Math.max(mostDown, PODS.length - up.length);
        for (const p of now) {
          if (seen.has(p.metadata.name) && seen.get(p.metadata.name) !== p.metadata.uid) replaced.push(p.metadata.name);
          seen.set(p.metadata.name, p.metadata.uid);
        }
      };
      const converge = async (what: string) => {
        const { rounds } = await w.converge({ maxRounds: 120, quietRounds: 3, afterRound });
        t.same(w.errors, [], `${what}: settled in ${rounds} rounds without errors`);
      };

      await install('workers', '1.0');
      const v2 = await install('workers-2', '2.0');
      broken = await install('workers-3', '3.0');
      await point('workers');
      await converge('1.0');
      t.equal((await status()).state, 'configured');
      for (const pod of PODS) t.same(agents.calls(pod), ['1|--configure'], `${pod}: configured once`);

      mostDown = 0;
      replaced.length = 0;
      await point('workers-2');
      await converge('2.0');
      t.equal(mostDown, 1, 'exactly one member unconfigured at a time');
      t.same(
        replaced,
        ['workers-worker-2', 'workers-worker-1', 'workers-worker-0'],
        'the real controller replaced the highest first, each once',
      );
      for (const pod of PODS) t.same(agents.calls(pod), ['1|--configure', '1|--configure'], `${pod}: configured again with 2.0`);
      t.equal((await status()).state, 'configured');
      t.match(await rolledOut(), { status: 'True' });
      t.notOk((await statefulSet()).spec.updateStrategy.rollingUpdate?.partition, 'no partition left');
      const cm = (await w.list('v1', 'ConfigMap')).find((c) => c.metadata.labels?.['kubedirector.hpe.com/configmeta'] === 'true') as Obj;
      t.same(Object.keys(cm.binaryData ?? {}), [v2], 'only the 2.0 package is carried');

      const before = await uids();
      mostDown = 0;
      replaced.length = 0;
      await point('workers-3');
      // Until the rollout pauses, then a few more rounds in which nothing else may move.
      let after = -1;
      for (let i = 0; i < 60 && after < 4; i++) {
        await w.round();
        await afterRound(i);
        if (after >= 0 || (await rolledOut())?.reason === 'RolloutPaused') after += 1;
      }
      t.match(await rolledOut(), {
        status: 'False',
        reason: 'RolloutPaused',
        message: /workers-worker-2 failed to configure on the current template/,
      });
      t.equal((await statefulSet()).spec.updateStrategy.rollingUpdate?.partition, 2, 'held: no other member is replaced');
      const paused = await uids();
      t.same([paused['workers-worker-0'], paused['workers-worker-1']], [before['workers-worker-0'], before['workers-worker-1']]);
      t.equal(mostDown, 1, 'only the failed member is down');

      await point('workers-2');
      await converge('back to 2.0');
      t.equal((await status()).state, 'configured', 'rolled back');
      t.match(await rolledOut(), { status: 'True' });
      t.equal(mostDown, 1);
      t.same(
        PODS.slice(0, 2).map((p) => agents.calls(p).length),
        [2, 2],
        'workers 0 and 1 kept their 2.0 setup',
      );
      t.same(watch.notReady, [], 'no configured member went NotReady');
    },
  );
}
