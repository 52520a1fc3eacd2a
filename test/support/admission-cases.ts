// Objects the API server must refuse, as a table shared by the model of it
// (test/support/apiserver.ts, in test/api) and the real kube-apiserver (test/cluster): each case
// says what a user of `kubectl apply` sees from each. Transition rules are checked on update,
// against the unchanged fixture as the stored object.
import { readYaml } from './fixtures.js';

export type Plural = 'kubedirectorapps' | 'kubedirectorclusters' | 'kubedirectorconfigs';

export interface RefusalCase {
  description: string;
  plural: Plural;
  mutate: (object: any) => void;
  /** What the model reports. */
  model: RegExp;
  /** What the real API server answers (its Status message). */
  server: RegExp;
  /** Refused as an update of the fixture, not as a create. */
  update?: boolean;
}

export const FIXTURES: Record<Plural, Record<string, any>> = {
  kubedirectorapps: readYaml('test/fixtures/api/app-every-field.yaml'),
  kubedirectorclusters: readYaml('test/fixtures/api/cluster-every-field.yaml'),
  kubedirectorconfigs: readYaml('test/fixtures/api/config.yaml'),
};

const app = (description: string, mutate: (o: any) => void, model: RegExp, server: RegExp): RefusalCase => ({
  description,
  plural: 'kubedirectorapps',
  mutate,
  model,
  server,
});
const cluster = (description: string, mutate: (o: any) => void, model: RegExp, server: RegExp, update = false): RefusalCase => ({
  description,
  plural: 'kubedirectorclusters',
  mutate,
  model,
  server,
  update,
});
const config = (description: string, mutate: (o: any) => void, model: RegExp, server: RegExp): RefusalCase => ({
  description,
  plural: 'kubedirectorconfigs',
  mutate,
  model,
  server,
});

export const REFUSALS: RefusalCase[] = [
  app(
    'cardinality must be N or N+',
    (o) => (o.spec.roles[0].cardinality = '2x'),
    /cardinality: must match pattern/,
    /spec\.roles\[0\]\.cardinality: Invalid value: "2x": spec\.roles\[0\]\.cardinality in body should match/,
  ),
  app(
    'role ids are unique',
    (o) => (o.spec.roles[1].id = 'coordinator'),
    /Duplicate value/,
    /spec\.roles\[1\]: Duplicate value: \{"id":"coordinator"\}/,
  ),
  app(
    'service ids are unique',
    (o) => (o.spec.services[1].id = 'ssh'),
    /Duplicate value/,
    /spec\.services\[1\]: Duplicate value: \{"id":"ssh"\}/,
  ),
  app(
    'tty requires stdin',
    (o) => (o.spec.roles[0].containerSpec = { tty: true }),
    /tty requires stdin/,
    /spec\.roles\[0\]\.containerSpec: Invalid value: tty requires stdin/,
  ),
  app(
    'a dashboard needs a url scheme',
    (o) => delete o.spec.services[1].endpoint.urlScheme,
    /dashboard endpoint needs a urlScheme/,
    /spec\.services\[1\]\.endpoint: Invalid value: a dashboard endpoint needs a urlScheme/,
  ),
  app(
    'setup packages are .tgz URLs',
    (o) => (o.spec.defaultConfigPackage.packageURL = 'ftp://x/y.zip'),
    /packageURL: must match pattern/,
    /spec\.defaultConfigPackage\.packageURL: Invalid value: "ftp:\/\/x\/y\.zip"/,
  ),
  app(
    'persistDirs are absolute',
    (o) => (o.spec.defaultPersistDirs = ['relative/dir']),
    /must match pattern/,
    /spec\.defaultPersistDirs\[0\]: Invalid value: "relative\/dir"/,
  ),
  app(
    'events are configure, addnodes or delnodes',
    (o) => (o.spec.defaultEventList = ['reboot']),
    /must be equal to one of/,
    /spec\.defaultEventList\[0\]: Unsupported value: "reboot": supported values: "configure", "addnodes", "delnodes"/,
  ),
  app(
    'configSchemaVersion is at least 7',
    (o) => (o.spec.configSchemaVersion = 6),
    /configSchemaVersion: must be >= 7/,
    /spec\.configSchemaVersion: Invalid value: 6: spec\.configSchemaVersion in body should be greater than or equal to 7/,
  ),
  app(
    'ports are valid',
    (o) => (o.spec.services[0].endpoint.port = 70000),
    /port: must be <= 65535/,
    /spec\.services\[0\]\.endpoint\.port: Invalid value: 70000: spec\.services\[0\]\.endpoint\.port in body should be less than or equal to 65535/,
  ),
  app('a role needs an id', (o) => delete o.spec.roles[0].id, /required property 'id'/, /spec\.roles\[0\]\.id: Required value/),
  app(
    'min resources are quantities',
    (o) => (o.spec.roles[0].minResources.memory = 'lots'),
    /must match pattern/,
    /spec\.roles\[0\]\.minResources\.memory: Invalid value: "lots"/,
  ),
  app(
    'names are at most 63 characters',
    (o) => (o.metadata.name = 'a'.repeat(64)),
    /at most 63 characters/,
    /KubeDirectorApp names are at most 63 characters: they are used as label values/,
  ),
  cluster(
    'role ids are unique',
    (o) => (o.spec.roles[1].id = 'coordinator'),
    /Duplicate value/,
    /spec\.roles\[1\]: Duplicate value: \{"id":"coordinator"\}/,
  ),
  cluster(
    'members are not negative',
    (o) => (o.spec.roles[1].members = -1),
    /members: must be >= 0/,
    /spec\.roles\[1\]\.members: Invalid value: -1: spec\.roles\[1\]\.members in body should be greater than or equal to 0/,
  ),
  cluster(
    'limits need cpu and memory',
    (o) => delete o.spec.roles[1].resources.limits.memory,
    /must set cpu and memory/,
    /spec\.roles\[1\]\.resources\.limits: Required value: must set cpu and memory/,
  ),
  cluster(
    'quantities are valid',
    (o) => (o.spec.roles[1].resources.limits.cpu = 'two'),
    /must match pattern/,
    /spec\.roles\[1\]\.resources\.limits\.cpu: Invalid value: "two"/,
  ),
  cluster(
    'service types are the three Kubernetes ones',
    (o) => (o.spec.serviceType = 'ExternalName'),
    /must be equal to one of/,
    /spec\.serviceType: Unsupported value: "ExternalName": supported values: "ClusterIP", "NodePort", "LoadBalancer"/,
  ),
  cluster(
    'naming schemes are UID or CrNameRole',
    (o) => (o.spec.namingScheme = 'Random'),
    /must be equal to one of/,
    /spec\.namingScheme: Unsupported value: "Random": supported values: "UID", "CrNameRole"/,
  ),
  cluster(
    'env entries set value or valueFrom',
    (o) => (o.spec.roles[0].env[0] = { name: 'X' }),
    /exactly one of value and valueFrom/,
    /spec\.roles\[0\]\.env\[0\]: Invalid value: set exactly one of value and valueFrom/,
  ),
  cluster(
    'unknown fields are refused',
    (o) => (o.spec.roles[0].replicas = 3),
    /roles\[0\]\.replicas/,
    /unknown field "spec\.roles\[0\]\.replicas"/,
  ),
  cluster(
    'names are at most 63 characters',
    (o) => (o.metadata.name = 'a'.repeat(64)),
    /at most 63 characters/,
    /KubeDirectorCluster names are at most 63 characters: they are used as label values/,
  ),
  cluster(
    'appCatalog cannot change',
    (o) => (o.spec.appCatalog = 'system'),
    /spec.appCatalog is immutable/,
    /spec\.appCatalog: Invalid value: spec\.appCatalog is immutable/,
    true,
  ),
  cluster(
    'appCatalog cannot be removed',
    (o) => delete o.spec.appCatalog,
    /spec.appCatalog is immutable/,
    /spec\.appCatalog: Invalid value: spec\.appCatalog is immutable/,
    true,
  ),
  cluster(
    'namingScheme cannot change',
    (o) => (o.spec.namingScheme = 'UID'),
    /spec.namingScheme is immutable/,
    /spec\.namingScheme: Invalid value: spec\.namingScheme is immutable/,
    true,
  ),
  config(
    'any other name is refused',
    (o) => (o.metadata.name = 'my-config'),
    /the only KubeDirectorConfig is named kd-global-config/,
    /the only KubeDirectorConfig is named kd-global-config/,
  ),
  config(
    'service types are checked',
    (o) => (o.spec.defaultServiceType = 'Headless'),
    /must be equal to one of/,
    /spec\.defaultServiceType: Unsupported value: "Headless"/,
  ),
];
