// KubeDirectorCluster: a running instance of an app (kubedirector.hpe.com/v1beta1).
import { Type, type Static } from '@sinclair/typebox';
import { Affinity, Condition, EnvVar, ResourceRequirements } from './core.js';
import { Nullable, Quantity, ROLE_ID_PATTERN, StringEnum, StringMap, cel, listMap } from './schema.js';

// Upstream only requires an absolute path here.
const MOUNT_PATH_PATTERN = '^/.*$';

export const ServiceType = StringEnum(['ClusterIP', 'NodePort', 'LoadBalancer']);
export type ServiceType = Static<typeof ServiceType>;

export const NamingScheme = StringEnum(['UID', 'CrNameRole'], {
  description: 'UID: short names with a suffix derived from the cluster uid; CrNameRole: <cluster>-<role>.',
});
export type NamingScheme = Static<typeof NamingScheme>;

export const KDSecret = Type.Object({
  name: Type.String({ minLength: 1 }),
  mountPath: Type.String({ minLength: 1, pattern: MOUNT_PATH_PATTERN }),
  defaultMode: Type.Optional(Type.Integer({ minimum: 0, maximum: 511 })),
  readOnly: Type.Optional(Type.Boolean()),
});
export type KDSecret = Static<typeof KDSecret>;

const FileInjection = Type.Object({
  srcURL: Type.String({ pattern: '^https?://.+$' }),
  destDir: Type.String({ minLength: 1, pattern: '^/.*$' }),
  permissions: Type.Optional(
    Nullable(
      Type.Object({
        fileMode: Type.Optional(Type.Integer({ minimum: 0 })),
        fileOwner: Type.Optional(Type.String()),
        fileGroup: Type.Optional(Type.String()),
      }),
    ),
  ),
});
export type FileInjection = Static<typeof FileInjection>;

const SecretKey = Type.Object({
  name: Type.String({ minLength: 1 }),
  value: Type.Optional(Type.String()),
  encryptedValue: Type.Optional(Type.String({ minLength: 1 })),
});
export type SecretKey = Static<typeof SecretKey>;

const VolumeProjection = Type.Object({
  pvcName: Type.String({ minLength: 1 }),
  mountPath: Type.String({ minLength: 2, pattern: MOUNT_PATH_PATTERN }),
  readOnly: Type.Optional(Type.Boolean()),
});
export type VolumeProjection = Static<typeof VolumeProjection>;

export const ClusterRole = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 63, pattern: ROLE_ID_PATTERN }),
  members: Type.Optional(Type.Integer({ minimum: 0, description: 'Number of members; defaults to the minimum the app role allows.' })),
  resources: ResourceRequirements,
  storage: Type.Optional(
    Nullable(
      Type.Object({
        size: Quantity(),
        storageClassName: Type.Optional(Type.String({ minLength: 1 })),
      }),
    ),
  ),
  blockStorage: Type.Optional(
    Nullable(
      Type.Object({
        storageClassName: Type.String({ minLength: 1 }),
        pathPrefix: Type.String({ minLength: 1, pattern: '^/.*$' }),
        numDevices: Type.Integer({ minimum: 1 }),
        size: Type.Optional(Quantity()),
      }),
    ),
  ),
  env: Type.Optional(Type.Array(EnvVar)),
  sharedMemory: Type.Optional(Quantity({ description: 'Size of a memory-backed /dev/shm.' })),
  fileInjections: Type.Optional(Type.Array(FileInjection)),
  secret: Type.Optional(Nullable(KDSecret)),
  secretKeys: Type.Optional(Type.Array(SecretKey, listMap('name'))),
  volumeProjections: Type.Optional(Type.Array(VolumeProjection)),
  serviceAccountName: Type.Optional(Type.String({ minLength: 1 })),
  affinity: Type.Optional(Affinity),
  podLabels: Type.Optional(Nullable(StringMap())),
  podAnnotations: Type.Optional(Nullable(StringMap())),
  serviceLabels: Type.Optional(Nullable(StringMap())),
  serviceAnnotations: Type.Optional(Nullable(StringMap())),
});
export type ClusterRole = Static<typeof ClusterRole>;

export const Connections = Type.Object({
  clusters: Type.Optional(Type.Array(Type.String())),
  configmaps: Type.Optional(Type.Array(Type.String())),
  secrets: Type.Optional(Type.Array(Type.String())),
});
export type Connections = Static<typeof Connections>;

const RetentionChoice = StringEnum(['Retain', 'Delete']);

/** What happens to member PVCs; the names and meanings of a StatefulSet's policy. Both default to Retain. */
export const PVCRetentionPolicy = Type.Object(
  {
    whenScaled: Type.Optional(RetentionChoice),
    whenDeleted: Type.Optional(RetentionChoice),
  },
  {
    description:
      'Retain (default) keeps the PVCs of members that leave (whenScaled) or of a deleted cluster (whenDeleted); Delete removes them.',
  },
);
export type PVCRetentionPolicy = Static<typeof PVCRetentionPolicy>;

export const KubeDirectorClusterSpec = Type.Object(
  {
    app: Type.String({
      minLength: 1,
      maxLength: 253,
      description:
        'Name of the KubeDirectorApp this cluster runs. It may change to another app of the same distroID (another version of the same app): the members are replaced one at a time, each configured before the next.',
    }),
    appCatalog: Type.Optional(
      StringEnum(['local', 'system'], {
        description: "Where the app is looked up: 'local' (the cluster's namespace) or 'system'. Immutable.",
      }),
    ),
    serviceType: Type.Optional(ServiceType),
    namingScheme: Type.Optional(NamingScheme),
    roles: Type.Array(ClusterRole, listMap('id')),
    defaultSecret: Type.Optional(Nullable(KDSecret)),
    connections: Type.Optional(Connections),
    persistentVolumeClaimRetentionPolicy: Type.Optional(PVCRetentionPolicy),
    stopped: Type.Optional(
      Type.Boolean({
        description:
          'true stops every member: pods go, while PVCs, Services, node ids, member records and configuration stay. false or absent runs them again, on the same PVCs.',
      }),
    ),
  },
  cel(
    {
      rule: 'has(self.appCatalog) == has(oldSelf.appCatalog) && (!has(self.appCatalog) || self.appCatalog == oldSelf.appCatalog)',
      message: 'spec.appCatalog is immutable',
      fieldPath: '.appCatalog',
    },
    {
      rule: 'has(self.namingScheme) == has(oldSelf.namingScheme) && (!has(self.namingScheme) || self.namingScheme == oldSelf.namingScheme)',
      message: 'spec.namingScheme is immutable',
      fieldPath: '.namingScheme',
    },
  ),
);
export type KubeDirectorClusterSpec = Static<typeof KubeDirectorClusterSpec>;

export const MemberState = StringEnum(['create pending', 'creating', 'configured', 'config error', 'delete pending', 'deleting']);
export type MemberState = Static<typeof MemberState>;

export const ClusterState = StringEnum(['creating', 'updating', 'configured', 'stopped']);
export type ClusterState = Static<typeof ClusterState>;

const Notification = Type.Object({ arguments: Type.Optional(Type.Array(Type.String())) });

export const MemberStateDetail = Type.Object({
  configErrorDetail: Type.Optional(Type.String()),
  lastConfigDataGeneration: Type.Optional(Type.Integer()),
  lastSetupGeneration: Type.Optional(Type.Integer()),
  configuringContainer: Type.Optional(Type.String()),
  lastConfiguredContainer: Type.Optional(Type.String()),
  lastKnownContainerState: Type.Optional(Type.String()),
  lastConnectionVersion: Type.Optional(Type.Integer()),
  startScriptStdoutMessage: Type.Optional(Type.String()),
  startScriptStderrMessage: Type.Optional(Type.String()),
  schedulingErrorMessage: Type.Optional(Type.String()),
  storageInitProgress: Type.Optional(Type.String()),
  pendingNotifyCmds: Type.Optional(Type.Array(Notification)),
  /** The last notification that failed on this member, as its sidecar reported it. */
  notifyError: Type.Optional(
    Type.Object({
      event: Type.String({ description: 'The event id, <generation>.<n>.' }),
      arguments: Type.Array(Type.String()),
      attempts: Type.Integer(),
      message: Type.String(),
      startScriptStdoutMessage: Type.String(),
      startScriptStderrMessage: Type.String(),
    }),
  ),
});
export type MemberStateDetail = Static<typeof MemberStateDetail>;

export const MemberStatus = Type.Object({
  pod: Type.String(),
  service: Type.String(),
  pvc: Type.Optional(Type.String()),
  nodeID: Type.Integer(),
  state: MemberState,
  authToken: Type.Optional(Type.String()),
  blockDevicePaths: Type.Optional(Type.Array(Type.String())),
  stateDetail: Type.Optional(MemberStateDetail),
});
export type MemberStatus = Static<typeof MemberStatus>;

export const RoleStatus = Type.Object({
  id: Type.String(),
  statefulSet: Type.String(),
  members: Type.Array(MemberStatus),
  encryptedSecretKeys: Type.Optional(StringMap()),
});
export type RoleStatus = Static<typeof RoleStatus>;

export const MemberStateRollup = Type.Object({
  membershipChanging: Type.Boolean(),
  membersDown: Type.Boolean(),
  membersInitializing: Type.Boolean(),
  membersWaiting: Type.Boolean(),
  membersRestarting: Type.Boolean(),
  configErrors: Type.Boolean(),
  membersNotScheduled: Type.Boolean(),
  membersUpgrading: Type.Optional(
    Type.Boolean({ description: "Some member's pod still runs an earlier pod template of its role (a rollout is under way)." }),
  ),
});
export type MemberStateRollup = Static<typeof MemberStateRollup>;

export const KubeDirectorClusterStatus = Type.Object({
  state: Type.Optional(ClusterState),
  memberStateRollup: Type.Optional(MemberStateRollup),
  generationUID: Type.Optional(Type.String()),
  specGenerationToProcess: Type.Optional(Type.Integer()),
  clusterService: Type.Optional(Type.String()),
  lastNodeID: Type.Optional(Type.Integer({ minimum: 0 })),
  lastConnectionHash: Type.Optional(Type.String()),
  roles: Type.Optional(Type.Array(RoleStatus)),
  restoreProgress: Type.Optional(
    Nullable(
      Type.Object({
        awaitingApp: Type.Boolean(),
        awaitingStatus: Type.Boolean(),
        awaitingResources: Type.Boolean(),
        error: Type.String(),
      }),
    ),
  ),
  configGeneration: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'Generation of the configuration published to members; it grows whenever what members see changes.',
    }),
  ),
  members: Type.Optional(Type.Integer({ minimum: 0, description: 'Members in status across all roles.' })),
  readyMembers: Type.Optional(Type.Integer({ minimum: 0, description: 'Members whose pod is ready.' })),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(Type.Array(Condition, listMap('type'))),
});
export type KubeDirectorClusterStatus = Static<typeof KubeDirectorClusterStatus>;
