// Metacontroller's hook protocol, version v2 (CompositeController customize, sync, finalize).
// Only the envelope and the limits every stored object respects (src/api/bounds.ts) are checked here;
// the parent's spec is checked by the reconciler, which reports problems as conditions instead.
import { Type, type Static } from '@sinclair/typebox';
import type { KubeDirectorClusterStatus } from './cluster.js';
import { NamespaceName } from './bounds.js';
import { KubeObject, RbacObject, ObjectMeta } from './meta.js';

/** `namespace/name`, or `name` for an object without a namespace; at most a namespace (63), a slash and a name (253). */
const OBJECT_KEY_PATTERN = '^(?=.{1,317}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[^/]+$';
const objectsByName = <T extends typeof KubeObject>(object: T) =>
  Type.Record(Type.String({ pattern: OBJECT_KEY_PATTERN }), object, {
    additionalProperties: false,
    keyErrorMessage: 'must be keyed "namespace/name"',
  });

/** Objects of one type keyed `namespace/name`. */
export const ObjectsByName = objectsByName(KubeObject);
const RbacByName = objectsByName(RbacObject);
/** Objects keyed by type (`Kind.apiVersion`, e.g. `Service.v1`), then by `namespace/name`. */
export const ObjectsByType = Type.Object(
  {
    'Role.rbac.authorization.k8s.io/v1': Type.Optional(RbacByName),
    'RoleBinding.rbac.authorization.k8s.io/v1': Type.Optional(RbacByName),
  },
  { additionalProperties: ObjectsByName },
);
export type ObjectsByType = Record<string, Record<string, KubeObject>>;

const Controller = Type.Object({}, { description: 'The CompositeController, passed through as received.' });

/** The parent must be a namespaced object: every name the hooks derive lives in its namespace. */
export const Parent = Type.Object({
  apiVersion: Type.String({ minLength: 1 }),
  kind: Type.String({ minLength: 1 }),
  metadata: Type.Composite([Type.Omit(ObjectMeta, ['namespace']), Type.Object({ namespace: NamespaceName })]),
});

export const SyncRequest = Type.Object({
  controller: Controller,
  parent: Parent,
  children: Type.Optional(ObjectsByType),
  related: Type.Optional(ObjectsByType),
  finalizing: Type.Optional(Type.Boolean()),
});

export const CustomizeRequest = Type.Object({
  controller: Controller,
  parent: Parent,
});

/** The request as the reconciler sees it: everything the API server sent, typed where read. */
export interface HookRequest {
  controller: Record<string, unknown>;
  parent: KubeObject;
  children: ObjectsByType;
  related: ObjectsByType;
  finalizing: boolean;
}

export interface SyncResponse {
  status: KubeDirectorClusterStatus;
  children: KubeObject[];
  resyncAfterSeconds?: number;
  finalized?: boolean;
}

/** One rule of a customize response: which related objects Metacontroller should send. */
export interface RelatedResourceRule {
  apiVersion: string;
  resource: string;
  namespace?: string;
  names?: string[];
  labelSelector?: {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
  };
}

export interface CustomizeResponse {
  relatedResources: RelatedResourceRule[];
}

export type SyncRequestBody = Static<typeof SyncRequest>;
export type CustomizeRequestBody = Static<typeof CustomizeRequest>;
