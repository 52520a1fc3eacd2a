// KubeDirectorConfig: the singleton kd-global-config holding operator-wide defaults.
import { Type, type Static } from '@sinclair/typebox';
import { NamingScheme, ServiceType } from './cluster.js';
import { Nullable, StringMap } from './schema.js';

export const GLOBAL_CONFIG_NAME = 'kd-global-config';

export const KubeDirectorConfigSpec = Type.Object({
  defaultStorageClassName: Type.Optional(Type.String({ minLength: 1 })),
  defaultServiceType: Type.Optional(ServiceType),
  defaultNamingScheme: Type.Optional(NamingScheme),
  nativeSystemdSupport: Type.Optional(Type.Boolean()),
  requiredSecretPrefix: Type.Optional(Type.String()),
  clusterSvcDomainBase: Type.Optional(
    Type.String({ description: 'Suffix of member FQDNs after the namespace; default ".svc.cluster.local".' }),
  ),
  masterEncryptionKey: Type.Optional(Type.String({ description: 'Hex-encoded AES key used to decrypt secretKeys[].encryptedValue.' })),
  podLabels: Type.Optional(Nullable(StringMap())),
  podAnnotations: Type.Optional(Nullable(StringMap())),
  serviceLabels: Type.Optional(Nullable(StringMap())),
  serviceAnnotations: Type.Optional(Nullable(StringMap())),
  backupClusterStatus: Type.Optional(Type.Boolean()),
  allowRestoreWithoutConnections: Type.Optional(Type.Boolean()),
  forceSharedMemorySizeSupport: Type.Optional(Type.Boolean()),
});
export type KubeDirectorConfigSpec = Static<typeof KubeDirectorConfigSpec>;

export const KubeDirectorConfigStatus = Type.Object({
  generationUID: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
});
export type KubeDirectorConfigStatus = Static<typeof KubeDirectorConfigStatus>;
