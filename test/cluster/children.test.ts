// Every child the hooks render for every example, through a day in its life (recorded on the
// simulator), applied to the real API server as Metacontroller's server-side-apply strategy
// applies it: accepted, and unchanged by a second apply. Every status they return survives the
// status subresource unpruned.
import t from 'tap';
import { readYaml } from '../support/fixtures.js';
import { freshNamespace, prepareCluster, useControlPlane } from './support/cluster.js';
import { KubeError, type Kube, type Obj } from './support/kube.js';
import { sleep } from './support/poll.js';
import { EXAMPLES, SHARED_SETTINGS, recordAnswers } from './support/rounds.js';
import { provisionVolumes, asMetacontrollerApplies } from './support/volumes.js';

t.setTimeout(600_000);

const session = await useControlPlane(t);
if (session) {
  const { kube } = session;
  await prepareCluster(kube);

  for (const example of EXAMPLES) {
    t.test(`${example.name}: every rendered child is accepted, and a second apply changes nothing`, async (t) => {
      const { answers, errors } = await recordAnswers(example);
      t.same(errors, [], 'the simulator played the example without errors');
      const ns = await freshNamespace(kube, `children-${example.name}`);
      await kube.create({ ...readYaml<Obj>(example.app), metadata: { ...readYaml<Obj>(example.app).metadata, namespace: ns } });
      await kube.create({ ...SHARED_SETTINGS, metadata: { ...SHARED_SETTINGS.metadata, namespace: ns } });
      const cluster = readYaml<Obj>(example.cluster);
      const parent = await kube.create({ ...cluster, metadata: { ...cluster.metadata, namespace: ns } });

      const applied = new Map<string, string>();
      const statuses = new Set<string>();
      let steps = 0;
      for (const step of [...new Set(answers.map((a) => a.step))]) {
        steps++;
        const problems: string[] = [];
        let count = 0;
        for (const answer of answers.filter((a) => a.step === step)) {
          for (const rendered of answer.children) {
            // Rendered for the simulator's parent: the same child of the real one.
            const child = JSON.parse(JSON.stringify(rendered).replaceAll(answer.parentUid, parent.metadata.uid));
            const body = asMetacontrollerApplies(child, parent);
            const key = `${body.kind}/${body.metadata.name}`;
            const text = JSON.stringify(body);
            if (applied.get(key) === text) continue;
            applied.set(key, text);
            count++;
            problems.push(...(await applyTwice(kube, body)));
          }
          if (answer.status) statuses.add(JSON.stringify(answer.status));
        }
        await provisionVolumes(kube, ns);
        t.same(
          problems,
          [],
          `${step}: ${count} new or changed children applied with field manager metacontroller, each unchanged by a second apply`,
        );
      }
      t.ok(steps >= (example.full ? 8 : 4), `${steps} steps replayed`);
      t.ok(applied.size >= 5, `${applied.size} children rendered`);

      const pruned: string[] = [];
      for (const text of statuses) {
        const status = { ...JSON.parse(text), observedGeneration: parent.metadata.generation };
        const current = (await kube.get(parent.apiVersion, parent.kind, ns, parent.metadata.name))!;
        const written = await kube.updateStatus({ ...current, status });
        if (JSON.stringify(sorted(written.status)) !== JSON.stringify(sorted(status)))
          pruned.push(JSON.stringify(diff(status, written.status)));
      }
      t.same(pruned, [], `${statuses.size} distinct statuses read back identical through the status subresource`);
    });
  }
}

/**
 * Problems with applying body: refused, or changed by an identical second apply. The second apply
 * waits until the controllers have stopped writing the object (status, binding); on a loaded
 * machine a controller can still write in between, so what its writes touch (status, its own
 * managedFields entry) is not counted against the apply.
 */
async function applyTwice(kube: Kube, body: Obj): Promise<string[]> {
  const key = `${body.kind} ${body.metadata.name}`;
  try {
    await kube.apply(body, 'metacontroller', { force: true, fieldValidation: 'Strict' });
    const settled = await settledObject(kube, body);
    const second = await kube.apply(body, 'metacontroller', { force: true, fieldValidation: 'Strict' });
    if (second.metadata.resourceVersion === settled.metadata.resourceVersion) return [];
    const managerAt = (path: string) =>
      second.metadata.managedFields?.[Number(/^\.metadata\.managedFields\.(\d+)/.exec(path)?.[1])]?.manager;
    const byApply = changedPaths(settled, second).filter(
      (path) => !path.startsWith('.status') && !(path.startsWith('.metadata.managedFields.') && managerAt(path) !== 'metacontroller'),
    );
    return byApply.length > 0 ? [`${key}: a second apply changed ${byApply.join(', ')}`] : [];
  } catch (error) {
    if (error instanceof KubeError) return [`${key}: ${error.code} ${error.message}`];
    throw error;
  }
}

async function settledObject(kube: Kube, body: Obj): Promise<Obj> {
  const read = () => kube.get(body.apiVersion, body.kind, body.metadata.namespace, body.metadata.name) as Promise<Obj>;
  let last = await read();
  for (let tries = 0; tries < 20; tries++) {
    await sleep(150);
    const next = await read();
    const observed = next.status?.observedGeneration === undefined || next.status.observedGeneration === next.metadata.generation;
    if (observed && next.metadata.resourceVersion === last.metadata.resourceVersion) return next;
    last = next;
  }
  return last;
}

/** Paths whose values differ, resourceVersion aside. */
function changedPaths(before: unknown, after: unknown, path = ''): string[] {
  if (path === '.metadata.resourceVersion') return [];
  if (before && after && typeof before === 'object' && typeof after === 'object') {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((k) => changedPaths((before as Obj)[k], (after as Obj)[k], `${path}.${k}`));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path];
}

/** JSON with object keys sorted, for comparing what the server stored with what was written. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, sorted(v)]),
    );
  return value;
}

/** The top-level status fields that differ. */
function diff(written: Obj, read: Obj | undefined): Obj {
  const out: Obj = {};
  for (const key of new Set([...Object.keys(written), ...Object.keys(read ?? {})])) {
    if (JSON.stringify(sorted(written[key])) !== JSON.stringify(sorted(read?.[key])))
      out[key] = { written: written[key], read: read?.[key] };
  }
  return out;
}
