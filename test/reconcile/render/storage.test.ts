// Storage planning on its own: claim templates from a role, their shape, names and block paths.
import t from 'tap';
import type { ClusterRole } from '../../../src/api/cluster.js';
import {
  blockDevicePaths,
  claimNames,
  desiredClaimTemplates,
  observedClaimTemplates,
  planStorage,
  sameClaimShape,
} from '../../../src/reconcile/render/storage.js';

const role = (extra: Partial<ClusterRole>): ClusterRole => ({ id: 'worker', resources: { limits: { cpu: '1', memory: '1Gi' } }, ...extra });

t.test('a data claim and numbered block claims, the default class filling in', async (t) => {
  const templates = desiredClaimTemplates(
    role({ storage: { size: '10Gi' }, blockStorage: { numDevices: 2, size: '5Gi', storageClassName: 'fast', pathPrefix: '/dev/xvd' } }),
    'standard',
  );
  t.same(templates, [
    { name: 'p', size: '10Gi', storageClassName: 'standard', block: false },
    { name: 'b0', size: '5Gi', storageClassName: 'fast', block: true },
    { name: 'b1', size: '5Gi', storageClassName: 'fast', block: true },
  ]);
  t.same(claimNames(templates), { data: true, blockDevices: [0, 1] });
  t.same(blockDevicePaths(templates, role({ blockStorage: { numDevices: 2, storageClassName: 'fast', pathPrefix: '/dev/xvd' } })), [
    '/dev/xvd0',
    '/dev/xvd1',
  ]);
  t.same(desiredClaimTemplates(role({}), 'standard'), [], 'no storage, no claims');
  t.same(
    desiredClaimTemplates(role({ storage: { size: 2 } }), undefined),
    [{ name: 'p', size: '2', block: false }],
    'no class without a default',
  );
});

t.test('the shape ignores size, which grows through the PVCs, and sees everything else', async (t) => {
  const base = desiredClaimTemplates(role({ storage: { size: '10Gi' } }), 'standard');
  t.ok(sameClaimShape(base, desiredClaimTemplates(role({ storage: { size: '20Gi' } }), 'standard')), 'a bigger size is the same shape');
  t.notOk(
    sameClaimShape(base, desiredClaimTemplates(role({ storage: { size: '10Gi', storageClassName: 'fast' } }), 'standard')),
    'another class is not',
  );
  t.notOk(sameClaimShape(base, []), 'dropping storage is not');
});

t.test('an existing StatefulSet is read back into the same templates', async (t) => {
  const statefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 's' },
    spec: {
      volumeClaimTemplates: [
        {
          metadata: { name: 'p' },
          spec: { storageClassName: 'standard', volumeMode: 'Filesystem', resources: { requests: { storage: '10Gi' } } },
        },
        { metadata: { name: 'b0' }, spec: { storageClassName: 'fast', volumeMode: 'Block', resources: { requests: { storage: '5Gi' } } } },
      ],
    },
  };
  const observed = observedClaimTemplates(statefulSet);
  t.same(
    observed.map((o) => [o.name, o.block, o.storageClassName]),
    [
      ['p', false, 'standard'],
      ['b0', true, 'fast'],
    ],
  );
});

t.test('planStorage: a layout change waits while the role has members, and recreates once it has none', async (t) => {
  const observedStatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 's' },
    spec: {
      volumeClaimTemplates: [
        { metadata: { name: 'p' }, spec: { storageClassName: 'standard', resources: { requests: { storage: '10Gi' } } } },
      ],
    },
  };
  const planned = (members: number, storageClassName: string, hasPods: boolean) =>
    planStorage(
      {
        id: 'worker',
        spec: role({ storage: { size: '20Gi', storageClassName } }),
        statefulSet: 's',
        observedStatefulSet,
        ports: [],
        members: Array.from({ length: members }, () => ({}) as never),
        replicas: members,
      },
      'standard',
      hasPods,
    );
  const grown = planned(2, 'standard', true);
  t.same(grown.deferred, undefined, 'a bigger size is no layout change');
  t.same(grown.sizes.get('p'), '20Gi', 'claims are asked to grow to the spec size');
  t.same(grown.templates[0]?.size, '10Gi', 'while the StatefulSet keeps its template');
  const moved = planned(2, 'fast', true);
  t.match(moved.deferred, /takes effect once the role has no members/);
  t.equal(moved.recreate, false);
  t.same(
    moved.templates.map((x) => x.storageClassName),
    ['standard'],
    'members keep the observed layout meanwhile',
  );
  const empty = planned(0, 'fast', false);
  t.equal(empty.recreate, true, 'no members and no pods: recreate');
  t.same(
    empty.templates.map((x) => x.storageClassName),
    ['fast'],
  );
  t.equal(planned(0, 'fast', true).recreate, false, 'a pod still there holds the recreation back');
});
