// Object metadata as the hooks read it. Unknown fields are allowed: the API server
// sends more (managedFields, ...) and the hooks must not reject or drop them.
import { Type, type Static, type TSchema, type TString } from '@sinclair/typebox';
import { Annotations, Labels, NamespaceName, ObjectName, PathSegmentName } from './bounds.js';

export const OwnerReference = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  uid: Type.String(),
  controller: Type.Optional(Type.Boolean()),
  blockOwnerDeletion: Type.Optional(Type.Boolean()),
});
export type OwnerReference = Static<typeof OwnerReference>;

/** The API server's uids are UUIDs; the hooks copy the parent's into labels of every child. */
const UID_MAX = 36;

/** Metadata whose name follows the given rule; the rest within the API server's limits. */
const objectMeta = (name: TString) =>
  Type.Object({
    name,
    namespace: Type.Optional(NamespaceName),
    uid: Type.Optional(Type.String({ maxLength: UID_MAX })),
    generation: Type.Optional(Type.Integer()),
    resourceVersion: Type.Optional(Type.String()),
    creationTimestamp: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    deletionTimestamp: Type.Optional(Type.String()),
    labels: Type.Optional(Labels),
    annotations: Type.Optional(Annotations),
    ownerReferences: Type.Optional(Type.Array(OwnerReference)),
    finalizers: Type.Optional(Type.Array(Type.String())),
  });

export const ObjectMeta = objectMeta(ObjectName);
export type ObjectMeta = Static<typeof ObjectMeta>;

const kubeObject = (metadata: typeof ObjectMeta) =>
  Type.Object({
    apiVersion: Type.String({ minLength: 1 }),
    kind: Type.String({ minLength: 1 }),
    metadata,
  });

/** Any Kubernetes object: typed envelope, everything else passed through untouched. */
export const KubeObject = kubeObject(ObjectMeta);
/** An RBAC object (Role, RoleBinding), whose name may be any path segment. */
export const RbacObject = kubeObject(objectMeta(PathSegmentName));
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
