// KubeDirectorApp: an application described once, as data (kubedirector.hpe.com/v1beta1).
import { Type, type Static } from '@sinclair/typebox';
import {
  CARDINALITY_PATTERN,
  DNS_LABEL_PATTERN,
  Nullable,
  PERSIST_DIR_PATTERN,
  PRESERVE_UNKNOWN,
  Quantity,
  ROLE_ID_PATTERN,
  ResourceList,
  StringEnum,
  StringMap,
  cel,
  listMap,
} from './schema.js';

const Label = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
  },
  PRESERVE_UNKNOWN,
);

/**
 * Where a setup package comes from. `null` (as opposed to absent) means
 * "no package", overriding an app-level default for one role.
 */
export const SetupPackageInfo = Type.Object({
  packageURL: Type.String({
    pattern: '^(file|https?|configmap)://.+\\.tgz$',
    description:
      'A .tgz setup package: file:// inside the image, http(s)://, or configmap://<name>/<key> for a package carried by a ConfigMap next to the app (for air-gapped clusters).',
  }),
  useNewSetupLayout: Type.Optional(Type.Boolean()),
});
export type SetupPackageInfo = Static<typeof SetupPackageInfo>;

const ServiceEndpoint = Type.Object(
  {
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    urlScheme: Type.Optional(Type.String({ minLength: 1, maxLength: 15, pattern: DNS_LABEL_PATTERN })),
    path: Type.Optional(Type.String()),
    isDashboard: Type.Optional(Type.Boolean()),
    hasAuthToken: Type.Optional(Type.Boolean()),
  },
  cel({
    rule: '!has(self.isDashboard) || !self.isDashboard || has(self.urlScheme)',
    message: 'a dashboard endpoint needs a urlScheme',
  }),
);

export const AppService = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 15, pattern: DNS_LABEL_PATTERN }),
    label: Type.Optional(Nullable(Label)),
    endpoint: Type.Optional(Nullable(ServiceEndpoint)),
    exported_service: Type.Optional(Type.String()),
  },
  PRESERVE_UNKNOWN,
);
export type AppService = Static<typeof AppService>;

// `leave` is this implementation's opt-in addition: run on a departing member before its pod goes.
const EventName = StringEnum(['configure', 'addnodes', 'delnodes', 'leave']);

export const ContainerSpec = Type.Object(
  {
    stdin: Type.Optional(Type.Boolean()),
    tty: Type.Optional(Type.Boolean()),
    command: Type.Optional(
      Type.Array(Type.String(), { description: "Replaces the image's entrypoint (an addition to upstream, for stock images)." }),
    ),
    args: Type.Optional(Type.Array(Type.String(), { description: "Replaces the image's command arguments." })),
    runAsUser: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2147483647,
        description:
          "The user the app container runs as, instead of the image's (an addition to upstream). The guest agent writes /etc/guestconfig, /opt/guestconfig and /var/log/guestconfig: an image whose user cannot needs 0 here, and its package's run script drops to the image's user.",
      }),
    ),
  },
  cel({
    rule: '!has(self.tty) || !self.tty || (has(self.stdin) && self.stdin)',
    message: 'tty requires stdin',
  }),
);

export const AppRole = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 63, pattern: ROLE_ID_PATTERN }),
  cardinality: Type.String({
    pattern: CARDINALITY_PATTERN,
    maxLength: 10,
    description: '"N": exactly N members; "N+": at least N members.',
  }),
  imageRepoTag: Type.Optional(Type.String({ minLength: 1 })),
  configPackage: Type.Optional(Nullable(SetupPackageInfo)),
  persistDirs: Type.Optional(Type.Array(Type.String({ pattern: PERSIST_DIR_PATTERN }))),
  eventList: Type.Optional(Type.Array(EventName)),
  containerSpec: Type.Optional(Nullable(ContainerSpec)),
  minResources: Type.Optional(Nullable(ResourceList())),
  minStorage: Type.Optional(
    Nullable(
      Type.Object({
        size: Quantity(),
        ephemeralModeSupported: Type.Optional(Type.Boolean()),
      }),
    ),
  ),
  maxLogSizeDump: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type AppRole = Static<typeof AppRole>;

const RoleService = Type.Object({
  roleID: Type.String({ minLength: 1, maxLength: 63, pattern: ROLE_ID_PATTERN }),
  serviceIDs: Type.Array(Type.String({ minLength: 1, maxLength: 15, pattern: DNS_LABEL_PATTERN })),
});

export const KubeDirectorAppSpec = Type.Object(
  {
    label: Label,
    distroID: Type.String({ minLength: 1 }),
    version: Type.String({ minLength: 1 }),
    configSchemaVersion: Type.Integer({ minimum: 7 }),
    defaultImageRepoTag: Type.Optional(Type.String({ minLength: 1 })),
    defaultConfigPackage: Type.Optional(Nullable(SetupPackageInfo)),
    defaultMaxLogSizeDump: Type.Optional(Type.Integer({ minimum: 0 })),
    services: Type.Optional(Type.Array(AppService, listMap('id'))),
    roles: Type.Array(AppRole, { minItems: 1, ...listMap('id') }),
    config: Type.Object({
      configMeta: Type.Optional(Nullable(StringMap())),
      selectedRoles: Type.Array(Type.String({ minLength: 1 }), { 'x-kubernetes-list-type': 'set' }),
      roleServices: Type.Array(RoleService, listMap('roleID')),
    }),
    defaultPersistDirs: Type.Optional(Type.Array(Type.String({ pattern: PERSIST_DIR_PATTERN }))),
    defaultEventList: Type.Optional(Type.Array(EventName)),
    capabilities: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    systemdRequired: Type.Optional(Type.Boolean()),
    rolloutOrder: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 63, pattern: ROLE_ID_PATTERN }), {
        'x-kubernetes-list-type': 'set',
        description:
          "Role ids in the order their members are replaced when the pod template changes (a new app version, a role edit); roles not listed follow in the app's role order (an addition to upstream).",
      }),
    ),
    logoURL: Type.Optional(Type.String({ minLength: 1, pattern: '^(file|https?)://.+\\.(jpeg|png)$' })),
  },
  PRESERVE_UNKNOWN,
);
export type KubeDirectorAppSpec = Static<typeof KubeDirectorAppSpec>;
