// Members configured by the real guest agent against the files the hooks render, on the real
// control plane: who hears of which membership change, in which order, as workers scale
// 3 -> 5 -> 2 with the real StatefulSet controller creating and deleting their pods. Their role
// lists `leave`: the departing members hand over before their pods go, and no member goes
// NotReady for any of it. Stopped and resumed with /etc on their PVCs, they configure only once.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realAgents } from '../support/agents.js';
import { buildPackage } from '../support/guest.js';
import { freshNamespace, prepareCluster, useControlPlane } from './support/cluster.js';
import { RealWorld } from './support/driver.js';
import type { Obj } from './support/kube.js';
import { memberWatch, type PodView } from '../support/member-watch.js';

t.setTimeout(600_000);

const session = await useControlPlane(t);
if (session) {
  const { kube } = session;
  await prepareCluster(kube);

  t.test(
    '3 workers, scaled to 5 and back to 2: exactly who hears which event, in order, --leave before removal, none NotReady',
    async (t) => {
      const base = mkdtempSync(join(tmpdir(), 'kd-agents-'));
      t.teardown(() => {
        rmSync(base, { recursive: true, force: true });
      });
      const agents = realAgents(base);
      const ns = await freshNamespace(kube, 'notifications');
      const w = await RealWorld.start(kube, ns, 'dynamic-apply', agents.container);
      t.teardown(() => w.close());

      const fqdn = (ordinal: number) => `workers-worker-${ordinal}.workers.${ns}.svc.cluster.local`;
      const pod = (ordinal: number) => `workers-worker-${ordinal}`;
      const notify = (name: string, ...ordinals: number[]) =>
        `7|--${name} --nodegroup 1 --role worker --fqdns ${ordinals.map(fqdn).join(',')}`;
      const status = async () => (await w.cluster('workers'))?.status as Obj;
      const scale = (members: number) =>
        w.apply('test/fixtures/scenarios/workers-cluster.yaml', (o) => (o.spec.roles[0].members = members));
      const watch = memberWatch(agents);
      const converge = async (what: string) => {
        const afterRound = async (round: number) => {
          watch.observe((await w.list('v1', 'Pod')) as PodView[], round);
        };
        const { rounds } = await w.converge({ maxRounds: 80, quietRounds: 3, afterRound });
        t.same(w.errors, [], `${what}: settled in ${rounds} rounds without errors`);
      };

      await w.apply('test/fixtures/scenarios/workers-app.yaml', (app) => {
        app.spec.roles[0].eventList = ['configure', 'addnodes', 'delnodes', 'leave'];
      });
      await w.applyObject({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'workers-setup', labels: { 'kubedirector.hpe.com/setup-package-for': 'workers' } },
        binaryData: { 'appconfig.tgz': buildPackage(base).toString('base64') },
      });

      await scale(3);
      await converge('3 workers');
      t.equal((await status()).state, 'configured');
      for (const i of [0, 1, 2]) t.same(agents.calls(pod(i)), ['1|--configure'], `${pod(i)}: configured once, no notification`);

      await scale(5);
      await converge('scaled to 5');
      t.equal((await status()).state, 'configured');
      for (const i of [0, 1, 2])
        t.same(agents.calls(pod(i)), ['1|--configure', notify('addnodes', 3, 4)], `${pod(i)} hears of the two newcomers`);
      for (const i of [3, 4]) t.same(agents.calls(pod(i)), ['1|--configure'], `${pod(i)} configured knowing everyone`);

      for (const i of [2, 3, 4]) watch.mustLeave.add(pod(i));
      await scale(2);
      await converge('scaled to 2');
      t.equal((await status()).state, 'configured');
      t.same(
        (await w.list('v1', 'Pod')).map((p) => p.metadata.name),
        [pod(0), pod(1)],
        'the real StatefulSet controller removed the three highest ordinals',
      );
      for (const i of [0, 1]) {
        t.same(
          agents.calls(pod(i)),
          ['1|--configure', notify('addnodes', 3, 4), notify('delnodes', 2, 3, 4)],
          `${pod(i)} hears of the three leaving`,
        );
      }
      t.same(
        agents.calls(pod(2)),
        ['1|--configure', notify('addnodes', 3, 4), notify('leave', 2)],
        'a leaving member hears only of its own leave',
      );
      for (const i of [3, 4]) t.same(agents.calls(pod(i)), ['1|--configure', notify('leave', i)], `${pod(i)} leaves, about itself`);
      t.same(watch.removedBeforeLeave, [], 'no departing pod was deleted before its --leave ran');
      t.same(watch.notReady, [], 'no member went NotReady');
      t.equal((await status()).conditions.find((c: Obj) => c.type === 'MembersNotified')?.status, 'True', 'MembersNotified');
    },
  );

  t.test('3 workers with /etc on their PVCs, stopped and resumed: the same pods, no second --configure, no notification', async (t) => {
    const base = mkdtempSync(join(tmpdir(), 'kd-agents-'));
    t.teardown(() => {
      rmSync(base, { recursive: true, force: true });
    });
    const agents = realAgents(base);
    const ns = await freshNamespace(kube, 'stop-resume');
    const w = await RealWorld.start(kube, ns, 'dynamic-apply', agents.container);
    t.teardown(() => w.close());
    const pods = ['workers-worker-0', 'workers-worker-1', 'workers-worker-2'];
    const apply = (stopped: boolean) =>
      w.apply('test/fixtures/scenarios/workers-cluster.yaml', (o) => {
        o.spec.roles[0].storage = { size: '1Gi' };
        o.spec.stopped = stopped;
      });
    const converge = async (what: string) => {
      const { rounds } = await w.converge({ maxRounds: 80, quietRounds: 3 });
      t.same(w.errors, [], `${what}: settled in ${rounds} rounds without errors`);
    };
    const state = async () => {
      const status = (await w.cluster('workers'))?.status as Obj;
      return {
        state: status.state as string,
        members: (status.roles as Obj[])
          .flatMap((r) => r.members as Obj[])
          .map(({ pod, nodeID, pvc, state }) => ({ pod, nodeID, pvc, state })),
      };
    };
    const pvcUids = async () => (await w.list('v1', 'PersistentVolumeClaim')).map((p) => `${p.metadata.name} ${p.metadata.uid}`);

    await w.apply('test/fixtures/scenarios/workers-app.yaml');
    await w.applyObject({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'workers-setup', labels: { 'kubedirector.hpe.com/setup-package-for': 'workers' } },
      binaryData: { 'appconfig.tgz': buildPackage(base).toString('base64') },
    });
    await apply(false);
    await converge('3 workers');
    const before = await state();
    t.equal(before.state, 'configured');
    t.ok(before.members.length === 3 && before.members.every((m) => m.pvc), 'every member has a PVC');
    const pvcs = await pvcUids();
    for (const pod of pods) t.same(agents.calls(pod), ['1|--configure'], `${pod}: configured once`);

    await apply(true);
    await converge('stopped');
    t.equal((await state()).state, 'stopped');
    t.same(
      (await w.list('v1', 'Pod')).map((p) => p.metadata.name),
      [],
      'no pod runs',
    );

    await apply(false);
    await converge('resumed');
    t.same(await state(), before, 'configured, with the same members, node ids and PVCs');
    t.same(
      (await w.list('v1', 'Pod')).map((p) => p.metadata.name),
      pods,
      'the same pods, back from the real StatefulSet controller',
    );
    t.same(await pvcUids(), pvcs, 'on the same PVCs');
    for (const pod of pods) t.same(agents.calls(pod), ['1|--configure'], `${pod}: no second --configure, no --addnodes or --delnodes`);
  });
}
