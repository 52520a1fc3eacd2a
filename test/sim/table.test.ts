import t from 'tap';
import { humanDuration } from '../../src/sim/clock.js';
import { claim, cluster, NS, service, setup, statefulSet, syncing } from './fixtures.js';

t.test('tables print what kubectl get would', async (t) => {
  const sim = await setup(
    t,
    syncing(
      () => [
        statefulSet('web', { replicas: 3 }),
        service('web-hs', { clusterIP: 'None', ports: [{ port: 8080 }] }),
        service('web', { type: 'NodePort', ports: [{ port: 8080 }, { port: 9090, protocol: 'UDP' }] }),
        service('lb', { type: 'LoadBalancer', ports: [{ port: 443 }] }),
        claim('late'),
      ],
      () => ({
        state: 'configured',
        members: 3,
        readyMembers: 2,
        memberStateRollup: { membersDown: true },
        conditions: [
          { type: 'Valid', status: 'True', reason: 'Valid', message: 'spec is valid for its app' },
          { type: 'Ready', status: 'False', reason: 'MembersDown', message: '2 of 3 members ready' },
        ],
      }),
    ),
  );
  sim.apply({
    apiVersion: 'kubedirector.hpe.com/v1beta1',
    kind: 'KubeDirectorApp',
    metadata: { name: 'spark', namespace: NS },
    spec: { label: { name: 'Spark 3' }, distroID: 'bluedata/spark', version: '3.5' },
  });
  sim.apply(cluster());
  await sim.round();
  t.equal(
    sim.table('svc', NS),
    [
      'NAME     TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)                         AGE',
      'lb       LoadBalancer   10.96.0.11   <pending>     443:30000/TCP                   0s',
      'web      NodePort       10.96.0.12   <none>        8080:30001/TCP,9090:30002/UDP   0s',
      'web-hs   ClusterIP      None         <none>        8080/TCP                        0s',
    ].join('\n'),
  );
  t.equal(
    sim.table('pvc', NS),
    [
      'NAME   STATUS    VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   AGE',
      'late   Pending                                      standard       0s',
    ].join('\n'),
  );
  await sim.converge();
  await sim.failPod(NS, 'web-1', { message: 'x' });
  await sim.round();
  await sim.round();
  sim.delete('pod', NS, 'web-2');
  t.equal(
    sim.table('po', NS),
    [
      'NAME    READY   STATUS             RESTARTS   AGE',
      'web-0   1/1     Running            0          25s',
      'web-1   0/1     CrashLoopBackOff   0          25s',
      'web-2   1/1     Terminating        0          25s',
    ].join('\n'),
  );
  await sim.round();
  t.equal(
    sim.table('pods', NS),
    [
      'NAME    READY   STATUS    RESTARTS      AGE',
      'web-0   1/1     Running   0             30s',
      'web-1   0/1     Running   1 (15s ago)   30s',
      'web-2   0/1     Pending   0             0s',
    ].join('\n'),
    'restarts say how long ago the last one ended (not ready before its first probe); the deleted pod was replaced',
  );
  t.equal(sim.table('svc', NS).split('\n')[1], 'lb       LoadBalancer   10.96.0.11   172.18.255.1   443:30000/TCP                   35s');
  t.equal(
    sim.table('persistentvolumeclaims', NS).split('\n').slice(0, 2).join('\n'),
    [
      'NAME      STATUS   VOLUME                                     CAPACITY   ACCESS MODES   STORAGECLASS   AGE',
      'late      Bound    pvc-00000000-0000-4000-8000-000000000004   1Gi        RWO            standard       35s',
    ].join('\n'),
  );
  t.equal(sim.table('StatefulSet', NS), ['NAME   READY   AGE', 'web    1/3     35s'].join('\n'));
  t.equal(
    sim.table('kdcluster', NS),
    [
      'NAME    APP     STATE        MEMBERS   READY   REASON        AGE',
      'spark   spark   configured   3         2       MembersDown   40s',
    ].join('\n'),
    "printer columns without priority; REASON is the Ready condition's",
  );
  t.equal(
    sim.table('kubedirectorapps', NS),
    ['NAME    APP NAME   DISTRO ID        VERSION   AGE', 'spark   Spark 3    bluedata/spark   3.5       40s'].join('\n'),
  );
  t.equal(sim.table('pods', 'elsewhere'), 'No resources found in elsewhere namespace.');
  t.throws(() => sim.table('deployments', NS), /the server doesn't have a resource type "deployments"/);
});

t.test('ages read as kubectl prints them', async (t) => {
  t.same(
    [0, 59, 119, 120, 185, 600, 10799, 10800, 3 * 3600 + 60, 8 * 3600, 2 * 86400, 2 * 86400 + 3600, 400 * 86400, 730 * 86400].map(
      humanDuration,
    ),
    ['0s', '59s', '119s', '2m', '3m5s', '10m', '179m', '3h', '3h1m', '8h', '2d', '2d1h', '400d', '2y'],
  );
});
