// Each condition says when its status last changed, from the request's own times, never a clock.
import t from 'tap';
import { finalize } from '../../src/reconcile/finalize.js';
import { sync } from '../../src/reconcile/sync.js';
import { readYaml } from '../support/fixtures.js';
import { OPTIONS, app, applied, request, stored, type Status } from '../support/requests.js';

const spark = app('test/fixtures/apps/spark.yaml');
const CREATED = '2026-01-05T10:00:00Z';
const WRITTEN = '2026-01-05T10:02:30Z';

function parent(status?: unknown, generation = 1) {
  const object = stored(readYaml('clusters/spark.yaml'), { generation, ...(status ? { status } : {}) });
  Object.assign(object.metadata, {
    creationTimestamp: CREATED,
    managedFields: [
      { manager: 'kubectl', operation: 'Update', time: CREATED },
      ...(status ? [{ manager: 'metacontroller', time: WRITTEN }] : []),
    ],
  });
  return object;
}

const conditions = (status: unknown) => (status as Status).conditions as { type: string; status: string; lastTransitionTime?: string }[];
const timeOf = (status: unknown, type: string) => conditions(status).find((c) => c.type === type)?.lastTransitionTime;

t.test('every condition carries the newest time of the request, and keeps it while its status stands', async (t) => {
  const first = sync(request({ parent: parent(), apps: [spark] }), OPTIONS);
  t.ok(conditions(first.status).length > 3);
  for (const c of conditions(first.status)) t.equal(c.lastTransitionTime, CREATED, `${c.type}: the parent's creation, the only time known`);

  const children = first.children.map((c) => applied(c));
  const second = sync(request({ parent: parent(first.status), apps: [spark], children }), OPTIONS);
  t.equal(timeOf(second.status, 'Ready'), CREATED, 'Ready is still False: its time is kept though the request is newer');
  t.equal(timeOf(second.status, 'Valid'), CREATED);
  t.equal(timeOf(second.status, 'RetentionPolicySupported'), WRITTEN, 'Unknown became True: the newest time, the status write');

  const again = sync(request({ parent: parent(first.status), apps: [spark], children }), OPTIONS);
  t.equal(JSON.stringify(again), JSON.stringify(second), 'the same request, byte for byte the same answer');
});

t.test('a change of status takes the newest time; an invalid spec and a deletion are stamped too', async (t) => {
  const first = sync(request({ parent: parent(), apps: [spark] }), OPTIONS);
  const broken = parent(first.status, 2);
  (broken as unknown as { spec: { app: string } }).spec.app = 'no-such-app';
  const invalid = sync(request({ parent: broken, apps: [spark] }), OPTIONS);
  t.equal(conditions(invalid.status).find((c) => c.type === 'Valid')?.status, 'False');
  t.equal(timeOf(invalid.status, 'Valid'), WRITTEN, 'Valid turned False at the newest time');
  t.equal(timeOf(invalid.status, 'Ready'), CREATED, 'Ready was False and stays False');

  const deleting = parent(first.status);
  deleting.metadata.deletionTimestamp = '2026-01-05T11:00:00Z';
  const children = first.children.map((c) => applied(c));
  const teardown = finalize(request({ parent: deleting, apps: [spark], children, finalizing: true }), OPTIONS);
  for (const c of conditions(teardown.status)) t.ok(c.lastTransitionTime, `${c.type} has a time`);
  t.equal(timeOf(teardown.status, 'RetentionPolicySupported'), '2026-01-05T11:00:00Z', 'the deletion is the newest time');
});

t.test('with no time in the request a changed condition has none; times are never read from the clock', async (t) => {
  const bare = stored(readYaml('clusters/spark.yaml'));
  const response = sync(request({ parent: bare, apps: [spark] }), OPTIONS);
  for (const c of conditions(response.status)) t.notOk('lastTransitionTime' in c, `${c.type}: no time invented`);
  const odd = stored(readYaml('clusters/spark.yaml'));
  Object.assign(odd.metadata, { creationTimestamp: 'yesterday', managedFields: [{ time: 42 }, null] });
  const ignored = sync(request({ parent: odd, apps: [spark] }), OPTIONS);
  for (const c of conditions(ignored.status)) t.notOk('lastTransitionTime' in c, `${c.type}: a malformed time is not a time`);
});
