// Building blocks shared by the API schemas. Each helper produces plain TypeBox
// schemas whose extra keywords (x-kubernetes-*) are what the CRD generator emits.
import { Type, type SchemaOptions, type TLiteral, type TSchema } from '@sinclair/typebox';

/** Kubernetes' canonical resource.Quantity syntax (as generated for core types). */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** DNS-1123 label: service ids and url schemes. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** Role ids: a qualified-name part, as upstream KubeDirector defines it. */
export const ROLE_ID_PATTERN = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';

/** Cardinality: "N" for exactly N members, "N+" for at least N. */
export const CARDINALITY_PATTERN = '^[0-9]+\\+?$';

/** Absolute path not ending in a slash. */
export const PERSIST_DIR_PATTERN = '^/.*[^/]$';

/** A CEL rule evaluated by the API server (x-kubernetes-validations entry). */
export interface CelRule {
  rule: string;
  message: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  fieldPath?: string;
}

export const cel = (...rules: CelRule[]) => ({ 'x-kubernetes-validations': rules });

/** An int-or-string quantity such as `2`, `500m` or `4Gi`. */
export const Quantity = (options: SchemaOptions = {}) =>
  Type.Union([Type.Integer(), Type.String({ pattern: QUANTITY_PATTERN })], {
    'x-kubernetes-int-or-string': true,
    ...options,
  });

/** A map of resource name to quantity (cpu, memory, extended resources). */
export const ResourceList = (options: SchemaOptions = {}) => Type.Record(Type.String(), Quantity(), options);

/** A map of string to string (labels, annotations, configMeta). */
export const StringMap = (options: SchemaOptions = {}) => Type.Record(Type.String(), Type.String(), options);

/** A field that may be explicitly null: the CRD marks it `nullable: true`. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A string restricted to the given values, emitted as a CRD enum. */
export const StringEnum = <const T extends readonly string[]>(values: T, options: SchemaOptions = {}) =>
  // The assertion carries the literal types into Static<>; without it every enum widens to string.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  Type.Union(values.map((v) => Type.Literal(v)) as TLiteral<T[number]>[], options);

/** An object whose unknown fields the API server keeps instead of pruning. */
export const PRESERVE_UNKNOWN = { 'x-kubernetes-preserve-unknown-fields': true } as const;

/** A list that behaves as a map keyed by the given fields (unique keys, merge by key). */
export const listMap = (...keys: string[]) => ({
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': keys,
});
