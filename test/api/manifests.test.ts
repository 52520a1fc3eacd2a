import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { KubeDirectorApp, KubeDirectorCluster, KubeDirectorConfig } from '../../src/api/resources.js';
import { admit, committedCrd } from '../support/apiserver.js';
import { FIXTURES, REFUSALS } from '../support/admission-cases.js';
import { clone, readYaml } from '../support/fixtures.js';

const appCrd = committedCrd('kubedirectorapps');
const clusterCrd = committedCrd('kubedirectorclusters');
const configCrd = committedCrd('kubedirectorconfigs');

const app = readYaml('test/fixtures/api/app-every-field.yaml');
const cluster = readYaml('test/fixtures/api/cluster-every-field.yaml');
const config = readYaml('test/fixtures/api/config.yaml');

t.test('manifests using every upstream field are accepted and stored unchanged', async (t) => {
  for (const [name, crd, object] of [
    ['app', appCrd, app],
    ['cluster', clusterCrd, cluster],
    ['config', configCrd, config],
  ] as const) {
    const result = admit(crd, object);
    t.same(result.errors, [], `${name}: no validation errors`);
    t.same(result.unknownFields, [], `${name}: no field unknown to the schema`);
    t.same(result.stored, object, `${name}: nothing pruned`);
  }
});

t.test('the TypeBox schemas accept the same manifests', async (t) => {
  const errors = (schema: TSchema, value: unknown) => [...Value.Errors(schema, value)].map((e) => `${e.path}: ${e.message}`);
  t.same(errors(KubeDirectorApp, app), []);
  t.same(errors(KubeDirectorCluster, cluster), []);
  t.same(errors(KubeDirectorConfig, config), []);
});

t.test('an explicit null configPackage is kept, distinct from an absent one', async (t) => {
  const stored = admit(appCrd, app).stored as { spec: { roles: Record<string, unknown>[] } };
  const role = (id: string) => stored.spec.roles.find((r) => r.id === id)!;
  t.ok('configPackage' in role('notebook') && role('notebook').configPackage === null, 'null survives storage');
  t.notOk('configPackage' in role('coordinator'), 'absent stays absent');
  t.ok(role('worker').configPackage, 'a set package stays set');
});

t.test('kubectl apply refuses invalid objects, with the message that says why', async (t) => {
  const crds = { kubedirectorapps: appCrd, kubedirectorclusters: clusterCrd, kubedirectorconfigs: configCrd };
  for (const { description, plural, mutate, model, update } of REFUSALS) {
    const object = clone(FIXTURES[plural]) as any;
    mutate(object);
    const result = admit(crds[plural], object, update ? (FIXTURES[plural] as any) : undefined);
    t.match([...result.errors, ...result.unknownFields].join('\n'), model, `${plural}: ${description}`);
  }
});

t.test('changing members is allowed', async (t) => {
  const scaled = clone(cluster) as any;
  scaled.spec.roles[1].members = 5;
  t.same(admit(clusterCrd, scaled, cluster).errors, []);
});

t.test('a global config needs no spec', async (t) => {
  const bare = { apiVersion: config.apiVersion, kind: config.kind, metadata: config.metadata };
  t.same(admit(configCrd, bare).errors, []);
});
