// The CRDs on the real API server: they install and become Established, every rule in them
// refuses what it should with the message kubectl shows, and every manifest the project ships
// is accepted and stored exactly as written.
import t from 'tap';
import { catalogEntries } from '../support/catalog.js';
import { readdirSync } from 'node:fs';
import { FIXTURES, REFUSALS } from '../support/admission-cases.js';
import { clone, readYamlDocuments } from '../support/fixtures.js';
import { crdsOf, established, freshNamespace, installCrds, useControlPlane } from './support/cluster.js';
import { KubeError, type Obj } from './support/kube.js';

const session = await useControlPlane(t);
if (session) {
  const { kube } = session;

  t.test('crds/ and the chart copy apply, become Established, and a second apply changes nothing', async (t) => {
    for (const [dir, manager] of [
      ['crds', 'kubectl'],
      ['metacontroller/chart/crds', 'helm'],
    ] as const) {
      const stored = await installCrds(kube, dir, manager).catch((error: unknown) => {
        t.fail(error instanceof Error ? error.message : String(error));
        return [];
      });
      if (!stored.length) continue;
      t.same(
        stored.map((crd) => crd.metadata.name),
        crdsOf(dir).map((crd) => crd.metadata.name),
        `${dir}: every CRD is Established`,
      );
      for (const crd of stored) {
        const again = await kube.apply(
          crdsOf(dir).find((c) => c.metadata.name === crd.metadata.name)!,
          manager,
          { force: true },
        );
        // Other files apply the same CRDs meanwhile (under their own managers), so the resourceVersion
        // may move: what must not is the spec (generation) and what this manager owns.
        const owned = (o: Obj) => o.metadata.managedFields?.find((f: Obj) => f.manager === manager && f.operation === 'Apply')?.fieldsV1;
        t.equal(again.metadata.generation, crd.metadata.generation, `${dir}: ${crd.metadata.name}'s spec unchanged by a second apply`);
        t.ok(owned(crd), `${dir}: ${crd.metadata.name}: ${manager} owns fields`);
        t.same(owned(again), owned(crd), `${dir}: ${crd.metadata.name}: the fields ${manager} owns unchanged by a second apply`);
        t.ok(established(crd));
      }
    }
  });

  const ns = await freshNamespace(kube, 'crds');
  const inNamespace = (object: Obj) => {
    const copy = clone(object);
    copy.metadata.namespace = ns;
    return copy;
  };

  t.test('every rule refuses what it should, with the message kubectl apply shows', async (t) => {
    for (const { description, plural, mutate, server, update } of REFUSALS) {
      const base = inNamespace(FIXTURES[plural]);
      const object = clone(base);
      mutate(object);
      let message = 'accepted';
      try {
        if (update) {
          const stored =
            (await kube.get(base.apiVersion, base.kind, ns, base.metadata.name)) ??
            (await kube.create(base, { fieldValidation: 'Strict' }));
          object.metadata.resourceVersion = stored.metadata.resourceVersion;
          await kube.update(object, { dryRun: true, fieldValidation: 'Strict' });
        } else {
          await kube.create(object, { dryRun: true, fieldValidation: 'Strict' });
        }
      } catch (error) {
        if (!(error instanceof KubeError)) throw error;
        message = `${error.code} ${error.reason}: ${error.message}`;
      }
      t.match(message, server, `${plural}: ${description}`);
      t.match(message, /^(422 Invalid|400 BadRequest)/, `${plural}: ${description}: refused as invalid`);
    }
  });

  t.test('what the immutability rules allow: members change, and so does everything else they do not name', async (t) => {
    const base = inNamespace(FIXTURES.kubedirectorclusters);
    const stored =
      (await kube.get(base.apiVersion, base.kind, ns, base.metadata.name)) ?? (await kube.create(base, { fieldValidation: 'Strict' }));
    const scaled = clone(base);
    scaled.metadata.resourceVersion = stored.metadata.resourceVersion;
    scaled.spec.roles[1].members = 5;
    const updated = await kube.update(scaled, { dryRun: true, fieldValidation: 'Strict' });
    t.equal(updated.spec.roles[1].members, 5);
  });

  const manifests = [
    ...catalogEntries().flatMap((e) => e.files),
    ...readdirSync(new URL('../../clusters/', import.meta.url)).map((f) => `clusters/${f}`),
    'test/fixtures/api/app-every-field.yaml',
    'test/fixtures/api/cluster-every-field.yaml',
    'test/fixtures/api/config.yaml',
    'test/fixtures/scenarios/workers-app.yaml',
    'test/fixtures/scenarios/workers-cluster.yaml',
  ].filter((f) => f.endsWith('.yaml'));

  t.test('every shipped manifest is accepted and stored exactly as written', async (t) => {
    const accepted = await freshNamespace(kube, 'manifests');
    for (const file of manifests) {
      for (const document of readYamlDocuments<Obj>(file)) {
        const object = clone(document);
        object.metadata.namespace = accepted;
        await kube.delete(object);
        const stored = await kube.create(object, { fieldValidation: 'Strict' });
        const { metadata, status: _status, ...content } = stored;
        const { metadata: written, ...expected } = object;
        t.same(content, expected, `${file} ${document.kind}/${document.metadata.name}: nothing pruned, nothing defaulted`);
        t.same(metadata.labels, written.labels, `${file} ${document.kind}/${document.metadata.name}: labels kept`);
        t.same(metadata.annotations, written.annotations, `${file} ${document.kind}/${document.metadata.name}: annotations kept`);
      }
    }
  });
}
