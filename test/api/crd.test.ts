import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { CRD_DIRECTORIES, customResourceDefinition, renderCrdFiles, toStructural } from '../../src/api/crd.js';
import { Definitions } from '../../src/api/resources.js';
import { Nullable, Quantity, StringEnum } from '../../src/api/schema.js';
import { repoPath } from '../support/fixtures.js';

t.test('committed CRDs are exactly what the generator writes', async (t) => {
  for (const { dir, kustomization } of CRD_DIRECTORIES) {
    const expected = renderCrdFiles({ kustomization });
    t.same(readdirSync(repoPath(dir)).sort(), [...expected.keys()].sort(), `${dir}: one file per kind, nothing stale`);
    for (const [name, content] of expected) {
      t.equal(readFileSync(repoPath(`${dir}/${name}`), 'utf8'), content, `${dir}/${name} is up to date (run npm run gen:crds)`);
    }
  }
});

t.test('every CRD names its kind, short name, category and printer columns', async (t) => {
  const byKind = Object.fromEntries(Definitions.map((d) => [d.kind, customResourceDefinition(d)]));
  const cluster = byKind.KubeDirectorCluster!;
  t.equal(cluster.metadata.name, 'kubedirectorclusters.kubedirector.hpe.com');
  t.same(cluster.spec.names.shortNames, ['kdcluster']);
  t.same(cluster.spec.names.categories, ['kubedirector']);
  t.same(byKind.KubeDirectorApp!.spec.names.shortNames, ['kdapp']);
  t.same(byKind.KubeDirectorConfig!.spec.names.shortNames, ['kdconfig']);
  const version = cluster.spec.versions[0]!;
  t.same(version.subresources, { status: {} }, 'clusters have a status subresource');
  t.same(byKind.KubeDirectorConfig!.spec.versions[0]!.subresources, { status: {} }, 'configs have a status subresource');
  t.notOk('subresources' in byKind.KubeDirectorApp!.spec.versions[0]!, 'apps have no status');
  t.same(
    version.additionalPrinterColumns.filter((c) => !c.priority).map((c) => c.name),
    ['App', 'State', 'Members', 'Ready', 'Reason', 'Age'],
  );
  const reason = version.additionalPrinterColumns.find((c) => c.name === 'Reason');
  t.equal(reason?.jsonPath, '.status.conditions[?(@.type=="Ready")].reason', 'why the cluster is not ready, even when nothing else shows');
});

t.test('structural conversion', async (t) => {
  t.same(
    toStructural(Nullable(Type.Object({ a: Type.String() }))),
    { type: 'object', required: ['a'], properties: { a: { type: 'string' } }, nullable: true },
    'a nullable union becomes nullable: true',
  );
  t.same(toStructural(StringEnum(['x', 'y'], { description: 'd' })), { type: 'string', description: 'd', enum: ['x', 'y'] });
  const quantity = toStructural(Quantity());
  t.same(quantity.anyOf, [{ type: 'integer' }, { type: 'string' }]);
  t.equal(quantity['x-kubernetes-int-or-string'], true);
  t.type(quantity.pattern, 'string', 'the string branch keeps its pattern');
  t.same(
    toStructural(Type.Record(Type.String(), Type.String())),
    { type: 'object', additionalProperties: { type: 'string' } },
    'records become additionalProperties',
  );
  const limits = toStructural(Type.Object({ cpu: Type.String() }, { additionalProperties: Type.String() }));
  t.same(limits.additionalProperties, { type: 'string' });
  t.notOk(limits.properties, 'a map never also has properties');
  t.match(limits['x-kubernetes-validations'], [{ rule: "'cpu' in self" }], 'required keys of a map become a CEL rule');
});

t.test('schemas without a structural form are refused', async (t) => {
  t.throws(() => toStructural(Type.Union([Type.String(), Type.Integer()])), /unions other than/);
  t.throws(() => toStructural(Type.Any()), /needs a type/);
  t.throws(() => toStructural(Type.Object({ a: Type.Intersect([Type.Object({}), Type.Object({})]) })), /allOf/);
  t.throws(() => toStructural(Nullable(Type.Union([Type.Literal('a'), Type.Object({})]))), /unions other than/);
  t.throws(() => toStructural(Type.Union([Type.Null(), Type.String(), Type.Integer()])), /exactly one other branch/);
  t.throws(
    () => toStructural(Type.Object({ cpu: Type.Integer() }, { additionalProperties: Type.String() })),
    /differs from the map's value schema/,
  );
  t.throws(() => toStructural(Type.Object({}, { patternProperties: { a: Type.String(), b: Type.String() } })), /single-pattern/);
});
