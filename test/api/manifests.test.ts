import t, { type Test } from 'tap';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { KubeDirectorApp, KubeDirectorCluster, KubeDirectorConfig } from '../../src/api/resources.js';
import { admit, committedCrd, type CustomResourceDefinition } from '../support/apiserver.js';
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

type Mutation = [description: string, mutate: (o: any) => void, expected: RegExp];

function rejects(t: Test, crd: CustomResourceDefinition, base: object, cases: Mutation[], old?: object) {
  for (const [description, mutate, expected] of cases) {
    const object = clone(base) as any;
    mutate(object);
    const result = admit(crd, object, old as any);
    t.match([...result.errors, ...result.unknownFields].join('\n'), expected, description);
  }
}

t.test('kubectl apply rejects invalid apps', async (t) => {
  rejects(t, appCrd, app, [
    ['cardinality must be N or N+', (o) => (o.spec.roles[0].cardinality = '2x'), /cardinality: must match pattern/],
    ['role ids are unique', (o) => (o.spec.roles[1].id = 'coordinator'), /Duplicate value/],
    ['service ids are unique', (o) => (o.spec.services[1].id = 'ssh'), /Duplicate value/],
    ['tty requires stdin', (o) => (o.spec.roles[0].containerSpec = { tty: true }), /tty requires stdin/],
    ['a dashboard needs a url scheme', (o) => delete o.spec.services[1].endpoint.urlScheme, /dashboard endpoint needs a urlScheme/],
    ['setup packages are .tgz URLs', (o) => (o.spec.defaultConfigPackage.packageURL = 'ftp://x/y.zip'), /packageURL: must match pattern/],
    ['persistDirs are absolute', (o) => (o.spec.defaultPersistDirs = ['relative/dir']), /must match pattern/],
    ['events are configure, addnodes or delnodes', (o) => (o.spec.defaultEventList = ['reboot']), /must be equal to one of/],
    ['configSchemaVersion is at least 7', (o) => (o.spec.configSchemaVersion = 6), /configSchemaVersion: must be >= 7/],
    ['ports are valid', (o) => (o.spec.services[0].endpoint.port = 70000), /port: must be <= 65535/],
    ['a role needs an id', (o) => delete o.spec.roles[0].id, /required property 'id'/],
    ['min resources are quantities', (o) => (o.spec.roles[0].minResources.memory = 'lots'), /must match pattern/],
  ]);
});

t.test('kubectl apply rejects invalid clusters', async (t) => {
  rejects(t, clusterCrd, cluster, [
    ['role ids are unique', (o) => (o.spec.roles[1].id = 'coordinator'), /Duplicate value/],
    ['members are not negative', (o) => (o.spec.roles[1].members = -1), /members: must be >= 0/],
    ['limits need cpu and memory', (o) => delete o.spec.roles[1].resources.limits.memory, /must set cpu and memory/],
    ['quantities are valid', (o) => (o.spec.roles[1].resources.limits.cpu = 'two'), /must match pattern/],
    ['service types are the three Kubernetes ones', (o) => (o.spec.serviceType = 'ExternalName'), /must be equal to one of/],
    ['naming schemes are UID or CrNameRole', (o) => (o.spec.namingScheme = 'Random'), /must be equal to one of/],
    ['env entries set value or valueFrom', (o) => (o.spec.roles[0].env[0] = { name: 'X' }), /exactly one of value and valueFrom/],
    ['unknown fields are refused', (o) => (o.spec.roles[0].replicas = 3), /roles\[0\]\.replicas/],
  ]);
});

t.test('spec.app, spec.appCatalog and spec.namingScheme are immutable', async (t) => {
  rejects(
    t,
    clusterCrd,
    cluster,
    [
      ['app cannot change', (o) => (o.spec.app = 'other'), /spec.app is immutable/],
      ['appCatalog cannot change', (o) => (o.spec.appCatalog = 'system'), /spec.appCatalog is immutable/],
      ['appCatalog cannot be removed', (o) => delete o.spec.appCatalog, /spec.appCatalog is immutable/],
      ['namingScheme cannot change', (o) => (o.spec.namingScheme = 'UID'), /spec.namingScheme is immutable/],
    ],
    cluster,
  );
  const scaled = clone(cluster) as any;
  scaled.spec.roles[1].members = 5;
  t.same(admit(clusterCrd, scaled, cluster).errors, [], 'changing members is allowed');
});

t.test('the global config has one name', async (t) => {
  rejects(t, configCrd, config, [
    ['any other name is refused', (o) => (o.metadata.name = 'my-config'), /the only KubeDirectorConfig is named kd-global-config/],
    ['service types are checked', (o) => (o.spec.defaultServiceType = 'Headless'), /must be equal to one of/],
  ]);
  const bare = { apiVersion: config.apiVersion, kind: config.kind, metadata: config.metadata };
  t.same(admit(configCrd, bare).errors, [], 'spec is optional');
});
