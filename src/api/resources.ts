// The three kinds of the kubedirector.hpe.com/v1beta1 API: their schemas, names,
// printer columns and object-level rules. The CRDs in crds/ are generated from this.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { KubeDirectorAppSpec } from './app.js';
import { KubeDirectorClusterSpec, KubeDirectorClusterStatus } from './cluster.js';
import { GLOBAL_CONFIG_NAME, KubeDirectorConfigSpec, KubeDirectorConfigStatus } from './config.js';
import { Resource } from './meta.js';
import type { CelRule } from './schema.js';

export const GROUP = 'kubedirector.hpe.com';
export const VERSION = 'v1beta1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORY = 'kubedirector';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface ResourceDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  spec: TSchema;
  specRequired: boolean;
  status?: TSchema;
  printerColumns: PrinterColumn[];
  rules?: CelRule[];
}

/** App and cluster names become label values on every member, so they are limited to 63 characters. */
const nameIsLabelValue = (kind: string): CelRule => ({
  rule: 'size(self.metadata.name) <= 63',
  message: `${kind} names are at most 63 characters: they are used as label values`,
});

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const AppDefinition: ResourceDefinition = {
  kind: 'KubeDirectorApp',
  plural: 'kubedirectorapps',
  singular: 'kubedirectorapp',
  shortNames: ['kdapp'],
  description: 'An application type: its roles, images, services, storage needs and setup packages.',
  spec: KubeDirectorAppSpec,
  specRequired: true,
  rules: [nameIsLabelValue('KubeDirectorApp')],
  printerColumns: [
    { name: 'App Name', type: 'string', jsonPath: '.spec.label.name', description: 'Human-readable app name' },
    { name: 'Distro ID', type: 'string', jsonPath: '.spec.distroID', description: 'Identifier of a series of app versions' },
    { name: 'Version', type: 'string', jsonPath: '.spec.version', description: 'Release of the app' },
    age,
  ],
};

export const ClusterDefinition: ResourceDefinition = {
  kind: 'KubeDirectorCluster',
  plural: 'kubedirectorclusters',
  singular: 'kubedirectorcluster',
  shortNames: ['kdcluster'],
  description: 'A running instance of a KubeDirectorApp: members per role, resources, storage and connections.',
  spec: KubeDirectorClusterSpec,
  specRequired: true,
  status: KubeDirectorClusterStatus,
  rules: [nameIsLabelValue('KubeDirectorCluster')],
  printerColumns: [
    { name: 'App', type: 'string', jsonPath: '.spec.app', description: 'The KubeDirectorApp this cluster runs' },
    { name: 'State', type: 'string', jsonPath: '.status.state', description: 'creating, updating, configured or stopped' },
    { name: 'Members', type: 'integer', jsonPath: '.status.members', description: 'Members across all roles' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyMembers', description: 'Members whose pod is ready' },
    {
      name: 'Reason',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
      description: 'Why the cluster is or is not ready (the Ready condition): Invalid, Creating, MembersDown, ...',
    },
    age,
    { name: 'Any Down', type: 'boolean', jsonPath: '.status.memberStateRollup.membersDown', priority: 1 },
    { name: 'Any ConfigError', type: 'boolean', jsonPath: '.status.memberStateRollup.configErrors', priority: 1 },
  ],
};

export const ConfigDefinition: ResourceDefinition = {
  kind: 'KubeDirectorConfig',
  plural: 'kubedirectorconfigs',
  singular: 'kubedirectorconfig',
  shortNames: ['kdconfig'],
  description: `Operator-wide defaults; the only instance is named ${GLOBAL_CONFIG_NAME}.`,
  spec: KubeDirectorConfigSpec,
  specRequired: false,
  status: KubeDirectorConfigStatus,
  printerColumns: [
    { name: 'Service Type', type: 'string', jsonPath: '.spec.defaultServiceType' },
    { name: 'Naming Scheme', type: 'string', jsonPath: '.spec.defaultNamingScheme' },
    age,
  ],
  rules: [{ rule: `self.metadata.name == '${GLOBAL_CONFIG_NAME}'`, message: `the only KubeDirectorConfig is named ${GLOBAL_CONFIG_NAME}` }],
};

export const Definitions = [AppDefinition, ClusterDefinition, ConfigDefinition];

export const KubeDirectorApp = Resource('KubeDirectorApp', KubeDirectorAppSpec, Type.Object({}));
export type KubeDirectorApp = Static<typeof KubeDirectorApp>;
export const KubeDirectorCluster = Resource('KubeDirectorCluster', KubeDirectorClusterSpec, KubeDirectorClusterStatus);
export type KubeDirectorCluster = Static<typeof KubeDirectorCluster>;
export const KubeDirectorConfig = Resource('KubeDirectorConfig', Type.Optional(KubeDirectorConfigSpec), KubeDirectorConfigStatus);
export type KubeDirectorConfig = Static<typeof KubeDirectorConfig>;
