import t from 'tap';
import { threeWayMerge } from '../../src/sim/merge.js';

t.test('keys the last desired state had and the new one dropped are removed; others stay', async (t) => {
  const observed = { metadata: { labels: { a: '1', b: '2', server: 'x' } }, spec: { keep: 1, drop: 2 } };
  const last = { metadata: { labels: { a: '1', b: '2' } }, spec: { keep: 1, drop: 2 } };
  const desired = { metadata: { labels: { a: '3' } }, spec: { keep: 1 } };
  t.same(threeWayMerge(observed, last, desired), { metadata: { labels: { a: '3', server: 'x' } }, spec: { keep: 1 } });
  t.same(observed.spec, { keep: 1, drop: 2 }, 'inputs are not modified');
});

t.test('lists of named objects merge item by item, keeping fields only the server set', async (t) => {
  const observed = {
    containers: [
      { name: 'app', image: 'a:1', imagePullPolicy: 'IfNotPresent' },
      { name: 'side', image: 's:1' },
    ],
  };
  const last = {
    containers: [
      { name: 'app', image: 'a:1' },
      { name: 'side', image: 's:1' },
    ],
  };
  const desired = {
    containers: [
      { name: 'new', image: 'n:1' },
      { name: 'app', image: 'a:2' },
    ],
  };
  t.same(threeWayMerge(observed, last, desired).containers, [
    { name: 'app', image: 'a:2', imagePullPolicy: 'IfNotPresent' },
    { name: 'new', image: 'n:1' },
  ]);
});

t.test('merge keys are chosen in Metacontroller order: port before name, containerPort first', async (t) => {
  const observed = { ports: [{ name: 'http', port: 80, nodePort: 30001 }] };
  const renamed = threeWayMerge(observed, { ports: [{ name: 'http', port: 80 }] }, { ports: [{ name: 'web', port: 80 }] });
  t.same(renamed.ports, [{ name: 'web', port: 80, nodePort: 30001 }], 'merged by port: the allocated node port survives a rename');
  const container = { ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }] };
  const moved = threeWayMerge(
    container,
    { ports: [{ containerPort: 8080, name: 'http' }] },
    { ports: [{ containerPort: 9090, name: 'http' }] },
  );
  t.same(moved.ports, [{ containerPort: 9090, name: 'http' }], 'merged by containerPort: a new port is a new item');
});

t.test('lists without a common merge key are replaced', async (t) => {
  t.same(threeWayMerge({ args: ['a', 'b'] }, { args: ['a'] }, { args: ['c'] }).args, ['c']);
  const templates = { vct: [{ metadata: { name: 'p' }, spec: { a: 1 }, status: { phase: 'Pending' } }] };
  t.same(
    threeWayMerge(templates, undefined, { vct: [{ metadata: { name: 'p' }, spec: { a: 1 } }] }).vct,
    [{ metadata: { name: 'p' }, spec: { a: 1 } }],
    'items keyed only inside metadata are not a list map',
  );
});

t.test('an owner reference listed in the last desired state and dropped now is removed', async (t) => {
  const ref = { apiVersion: 'v1', kind: 'X', name: 'p', uid: 'u1', controller: true };
  const merged = threeWayMerge(
    { metadata: { name: 'c', ownerReferences: [ref] } },
    { metadata: { name: 'c', ownerReferences: [ref] } },
    { metadata: { name: 'c' } },
  );
  t.same(merged.metadata, { name: 'c' });
});

t.test('a value of another shape than the observed one counts as absent, as in Go', async (t) => {
  t.same(threeWayMerge({ a: { x: 1, y: 2 } }, { a: { x: 1 } }, { a: 'text' }), { a: { y: 2 } }, 'a map is not replaced by a scalar');
  t.same(threeWayMerge({ a: [1] }, undefined, { a: 'text' }), { a: null }, 'a list becomes null');
});

t.test('without list maps (kubectl on custom resources) every list is replaced', async (t) => {
  const observed = { roles: [{ name: 'a', extra: 1 }] };
  t.same(threeWayMerge(observed, undefined, { roles: [{ name: 'a' }] }, { listMaps: false }).roles, [{ name: 'a' }]);
  t.same(threeWayMerge(observed, undefined, { roles: [{ name: 'a' }] }).roles, [{ name: 'a', extra: 1 }]);
});
