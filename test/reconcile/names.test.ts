import t from 'tap';
import { headlessServiceName, memberServiceName, mungName, podOrdinal, statefulSetName, uidSuffix } from '../../src/reconcile/names.js';

t.test('suffixes are derived from the uid, never random', async (t) => {
  t.equal(uidSuffix('uid-1', 'x'), uidSuffix('uid-1', 'x'));
  t.not(uidSuffix('uid-1', 'x'), uidSuffix('uid-2', 'x'));
  t.not(uidSuffix('uid-1', 'x'), uidSuffix('uid-1', 'y'));
  t.match(uidSuffix('uid-1', 'x'), /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

t.test('upstream name munging, kept valid for Services', async (t) => {
  t.equal(mungName('My_Cluster.Role'), 'my-cluster-role');
  t.equal(mungName('a'.repeat(60)), 'a'.repeat(46), 'at most 46 characters');
  t.equal(mungName(`${'a'.repeat(45)}_b`), 'a'.repeat(45), 'no trailing hyphen after truncation');
  t.equal(mungName('9lives'), 'kd-9lives', 'Service names start with a letter');
});

t.test('both naming schemes', async (t) => {
  const uid = { name: 'spark', uid: 'u', scheme: 'UID' as const };
  const byName = { ...uid, scheme: 'CrNameRole' as const };
  t.match(headlessServiceName(uid), /^kdhs-/);
  t.equal(headlessServiceName(byName), 'spark');
  t.match(statefulSetName(uid, 'worker'), /^kdss-/);
  t.equal(statefulSetName(byName, 'worker'), 'spark-worker');
  t.equal(memberServiceName('UID', 'kdss-abcde-0'), 's-kdss-abcde-0');
  t.equal(memberServiceName('CrNameRole', 'spark-worker-0'), 'spark-worker-0');
});

t.test('pod ordinals', async (t) => {
  t.equal(podOrdinal('spark-worker', 'spark-worker-12'), 12);
  t.equal(podOrdinal('spark-worker', 'spark-worker-x'), undefined);
  t.equal(podOrdinal('spark', 'spark-worker-1'), undefined);
});
