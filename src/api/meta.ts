// Object metadata as the hooks read it. Unknown fields are allowed: the API server
// sends more (managedFields, ...) and the hooks must not reject or drop them.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StringMap } from './schema.js';

export const OwnerReference = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  uid: Type.String(),
  controller: Type.Optional(Type.Boolean()),
  blockOwnerDeletion: Type.Optional(Type.Boolean()),
});
export type OwnerReference = Static<typeof OwnerReference>;

export const ObjectMeta = Type.Object({
  name: Type.String({ minLength: 1 }),
  namespace: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
  resourceVersion: Type.Optional(Type.String()),
  creationTimestamp: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  deletionTimestamp: Type.Optional(Type.String()),
  labels: Type.Optional(StringMap()),
  annotations: Type.Optional(StringMap()),
  ownerReferences: Type.Optional(Type.Array(OwnerReference)),
  finalizers: Type.Optional(Type.Array(Type.String())),
});
export type ObjectMeta = Static<typeof ObjectMeta>;

/** Any Kubernetes object: typed envelope, everything else passed through untouched. */
export const KubeObject = Type.Object({
  apiVersion: Type.String({ minLength: 1 }),
  kind: Type.String({ minLength: 1 }),
  metadata: ObjectMeta,
});
export interface KubeObject extends Static<typeof KubeObject> {
  [field: string]: unknown;
}

/** A full object of one of the API's kinds, for typing only. */
export const Resource = <Spec extends TSchema, Status extends TSchema>(kind: string, spec: Spec, status: Status) =>
  Type.Object({
    apiVersion: Type.String(),
    kind: Type.Literal(kind),
    metadata: ObjectMeta,
    spec,
    status: Type.Optional(status),
  });
