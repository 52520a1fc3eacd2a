// Named cases of the data-safety rule: observed objects outrank status, an observed StatefulSet,
// PVC or Service leaves the desired children only when the plan means it, and no well-formed
// request is answered with a 500.
import t from 'tap';
import type { HookRequest } from '../../src/api/hook.js';
import type { KubeObject } from '../../src/api/meta.js';
import { TYPE } from '../../src/reconcile/kinds.js';
import { LABEL } from '../../src/reconcile/labels.js';
import { sync } from '../../src/reconcile/sync.js';
import { buildServer } from '../../src/server/app.js';
import { convergedExample, syncViolations } from '../support/fuzz.js';
import { OPTIONS, type Status } from '../support/requests.js';

const base = convergedExample('clusters/spark.yaml');
type Parent = { spec: { roles: { id: string; members: number }[] }; status: Status };
const edit = (change: (req: HookRequest, parent: Parent) => void): HookRequest => {
  const req = structuredClone(base);
  change(req, req.parent as unknown as Parent);
  return req;
};
const answer = (req: HookRequest) => {
  const response = sync(req, OPTIONS);
  return { ...response, status: response.status as Status };
};
const names = (children: KubeObject[], kind: string) =>
  children
    .filter((c) => c.kind === kind)
    .map((c) => c.metadata.name)
    .sort();
const observedNames = (req: HookRequest, type: string) =>
  Object.values(req.children[type] ?? {})
    .map((o) => o.metadata.name)
    .sort();
const conditionOf = (status: Status, type: string) => status.conditions.find((c) => c.type === type);
const baseStatus = (base.parent as unknown as Parent).status;
const workers = baseStatus.roles!.find((r) => r.id === 'worker')!;

t.test('a status naming another StatefulSet keeps the observed one, its Services and PVCs, and renders no second one', async (t) => {
  const req = edit((_, parent) => {
    parent.status.roles!.find((r) => r.id === 'worker')!.statefulSet = 'kdss-other';
  });
  const response = answer(req);
  t.same(names(response.children, 'StatefulSet'), observedNames(req, TYPE.statefulSet), 'the same StatefulSets, no second one');
  t.same(names(response.children, 'Service'), observedNames(req, TYPE.service), 'every Service kept');
  t.same(names(response.children, 'PersistentVolumeClaim'), observedNames(req, TYPE.pvc), 'no new PVCs');
  t.equal(response.status.roles!.find((r) => r.id === 'worker')!.statefulSet, workers.statefulSet, 'status names the observed one');
  t.match(conditionOf(response.status, 'StatusRebuilt'), { status: 'True', message: /named StatefulSet kdss-other, observed/ });
  t.same(syncViolations(req, response), []);
});

t.test('a status in which every member of a role is deleting does not scale the StatefulSet to 0', async (t) => {
  const req = edit((_, parent) => {
    for (const member of parent.status.roles!.find((r) => r.id === 'worker')!.members) member.state = 'deleting';
  });
  const response = answer(req);
  const set = response.children.find((c) => c.kind === 'StatefulSet' && c.metadata.name === workers.statefulSet) as unknown as {
    spec: { replicas: number };
  };
  t.equal(set.spec.replicas, workers.members.length, 'replicas unchanged');
  t.same(
    response.status.roles!.find((r) => r.id === 'worker')!.members.map((m) => m.state),
    workers.members.map(() => 'configured'),
  );
  t.match(conditionOf(response.status, 'StatusRebuilt'), { message: /recorded deleting while the spec and its StatefulSet keep it/ });
});

t.test('a status that does not parse is rebuilt from the observed children, and says so', async (t) => {
  const junk = { roles: 'not a list', lastNodeID: -1 };
  const response = answer(edit((_, parent) => ((parent as { status: unknown }).status = junk)));
  t.match(conditionOf(response.status, 'StatusRebuilt'), {
    status: 'True',
    reason: 'RebuiltFromObserved',
    message: /^status\/(roles|lastNodeID): .*: rebuilt from the observed children$/,
  });
  t.same(
    response.status.roles!.map((r) => [r.id, r.members.map((m) => m.nodeID)]),
    baseStatus.roles!.map((r) => [r.id, r.members.map((m) => m.nodeID)]),
    'node ids recovered from the published configuration',
  );
  t.same(names(response.children, 'StatefulSet'), observedNames(base, TYPE.statefulSet));

  t.test('with a role removed from the spec, the role drains through delete pending', async (t) => {
    const req = edit((_, parent) => {
      (parent as { status: unknown }).status = junk;
      parent.spec.roles = parent.spec.roles.filter((r) => r.id !== 'worker');
    });
    const drained = answer(req);
    t.ok(names(drained.children, 'StatefulSet').includes(workers.statefulSet), 'the StatefulSet stays');
    t.same(
      drained.status.roles!.find((r) => r.id === 'worker')!.members.map((m) => m.state),
      workers.members.map(() => 'delete pending'),
    );
    t.same(syncViolations(req, drained), []);
  });

  t.test('with a scale-down, the members above go through delete pending', async (t) => {
    const req = edit((_, parent) => {
      (parent as { status: unknown }).status = junk;
      parent.spec.roles.find((r) => r.id === 'worker')!.members = 1;
    });
    const scaled = answer(req);
    t.same(
      scaled.status.roles!.find((r) => r.id === 'worker')!.members.map((m) => m.state),
      ['configured', 'delete pending'],
    );
  });
});

t.test('node ids are never reused when status is lost', async (t) => {
  const req = edit((_, parent) => {
    delete (parent as { status?: unknown }).status;
    parent.spec.roles.find((r) => r.id === 'worker')!.members = 3;
  });
  const response = answer(req);
  const highest = Math.max(...baseStatus.roles!.flatMap((r) => r.members.map((m) => m.nodeID)));
  const added = response.status.roles!.find((r) => r.id === 'worker')!.members[2]!;
  t.ok(added.nodeID > highest, `new member ${added.nodeID} above ${highest}`);
  t.equal(response.status.lastNodeID, added.nodeID);
});

t.test(
  'node ids of members that left are not reused either when status is lost: the published configuration keeps the highest',
  async (t) => {
    const published = (req: HookRequest) =>
      Object.values(req.children[TYPE.configMap] ?? {}).find(
        (c) => typeof (c.data as Record<string, unknown> | undefined)?.members === 'string',
      )!;
    t.equal((published(base).data as Record<string, string>)['last-node-id'], `${baseStatus.lastNodeID}\n`, 'the highest id is published');
    const req = edit((r, parent) => {
      // Members with ids up to 40 came and went; then status was lost.
      (published(r).data as Record<string, string>)['last-node-id'] = '40\n';
      delete (parent as { status?: unknown }).status;
      parent.spec.roles.find((role) => role.id === 'worker')!.members = 3;
    });
    const added = answer(req).status.roles!.find((r) => r.id === 'worker')!.members[2]!;
    t.equal(added.nodeID, 41, 'the next id after every id ever given');
  },
);

t.test('a status naming another headless Service keeps the observed one', async (t) => {
  const req = edit((_, parent) => (parent.status.clusterService = 'kdhs-other'));
  const response = answer(req);
  t.same(names(response.children, 'Service'), observedNames(req, TYPE.service));
  t.equal(response.status.clusterService, baseStatus.clusterService);
  t.match(conditionOf(response.status, 'StatusRebuilt'), { message: /status.clusterService named kdhs-other/ });
});

t.test("removing a role from the spec keeps its members' Services while their pods run", async (t) => {
  const req = edit((_, parent) => (parent.spec.roles = parent.spec.roles.filter((r) => r.id !== 'worker')));
  const response = answer(req);
  const memberServices = workers.members.map((m) => m.service).sort();
  t.same(
    names(response.children, 'Service').filter((n) => memberServices.includes(n)),
    memberServices,
  );
  t.same(syncViolations(req, response), []);
});

t.test('an observed Service the plan does not account for freezes the sync, naming it', async (t) => {
  const req = edit((r) => {
    const services = r.children[TYPE.service]!;
    const headless = Object.values(services).find((o) => o.metadata.name === baseStatus.clusterService)!;
    services[`${headless.metadata.namespace}/kdhs-stray`] = {
      ...structuredClone(headless),
      metadata: { ...structuredClone(headless.metadata), name: 'kdhs-stray' },
    };
    // Listed first, it is taken for the headless Service; the one status names is left out.
    r.children[TYPE.service] = Object.fromEntries(Object.entries(services).sort(([a]) => (a.endsWith('/kdhs-stray') ? -1 : 1)));
  });
  const response = answer(req);
  const ready = conditionOf(response.status, 'Ready');
  t.equal(ready?.reason, 'UnplannedRemoval');
  t.match(ready?.message, new RegExp(`Service/${baseStatus.clusterService}`));
  t.same(names(response.children, 'Service'), observedNames(req, TYPE.service), 'every Service echoed');
});

t.test('well-formed requests that once got a 500 are answered', async (t) => {
  const app = buildServer({ logLevel: 'silent' });
  t.teardown(() => app.close());
  const post = (url: string, req: HookRequest, raw?: (body: string) => string) => {
    const body = JSON.stringify({ controller: req.controller, parent: req.parent, children: req.children, related: req.related });
    return app.inject({ method: 'POST', url, payload: raw ? raw(body) : body, headers: { 'content-type': 'application/json' } });
  };
  const configMaps = (change: (c: Record<string, any>) => void) =>
    edit((r) => {
      for (const c of Object.values(r.children[TYPE.configMap] ?? {})) change(c as Record<string, any>);
    });
  const readyOf = (body: string) => (JSON.parse(body) as { status: Status }).status.conditions.find((c) => c.type === 'Ready');

  const managed = await post(
    '/sync',
    configMaps((c) => (c.metadata.managedFields = { not: 'a list' })),
  );
  t.equal(managed.statusCode, 200);
  t.equal(readyOf(managed.body)?.reason, 'AllMembersReady', 'managedFields of an unexpected type are ignored');

  const events = await post(
    '/sync',
    configMaps((c) => (c.data.events = 5)),
  );
  t.equal(events.statusCode, 200);
  t.equal(readyOf(events.body)?.reason, 'ReconcileError', 'unreadable events freeze the sync');

  const depth = 6000;
  const deep = await post(
    '/sync',
    edit((_, parent) => ((parent as { status: unknown }).status = '@deep@')),
    (body) => body.replace('"@deep@"', '{"x":'.repeat(depth) + '1' + '}'.repeat(depth)),
  );
  t.equal(deep.statusCode, 200, `a status nested ${depth} levels deep`);
  const deepStatus = (JSON.parse(deep.body) as { status: Status }).status;
  t.match(conditionOf(deepStatus, 'StatusRebuilt'), { message: /nests deeper than/ });

  const deepInvalid = await post(
    '/sync',
    edit((_, parent) => {
      (parent as { status: unknown }).status = '@deep@';
      (parent.spec as { roles: unknown }).roles = 5;
    }),
    (body) => body.replace('"@deep@"', '{"x":'.repeat(depth) + '1' + '}'.repeat(depth)),
  );
  t.equal(deepInvalid.statusCode, 200, 'on the frozen path too');
  t.equal(readyOf(deepInvalid.body)?.reason, 'Invalid');

  const connections = await post(
    '/customize',
    edit((_, parent) => ((parent.spec as { connections?: unknown }).connections = { clusters: 5 })),
  );
  t.equal(connections.statusCode, 200, 'customize with connections.clusters not a list');
});

t.test('the member Services of a role are observed by their pod-name selector', async (t) => {
  const services = Object.values(base.children[TYPE.service] ?? {}).filter((s) => s.metadata.labels?.[LABEL.role]);
  t.ok(services.length > 0);
  t.ok(services.every((s) => (s.spec as { selector?: Record<string, string> }).selector?.[LABEL.podName]));
});
