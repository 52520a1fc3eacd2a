// The subset of Kubernetes core/v1 and meta/v1 types that the KubeDirector API embeds.
import { FormatRegistry, Type, type Static } from '@sinclair/typebox';
import { Quantity, ResourceList, StringEnum, StringMap } from './schema.js';

const requirement = <const T extends readonly string[]>(operators: T) =>
  Type.Object({
    key: Type.String(),
    operator: StringEnum(operators),
    values: Type.Optional(Type.Array(Type.String())),
  });
const LabelRequirement = requirement(['In', 'NotIn', 'Exists', 'DoesNotExist']);
const NodeRequirement = requirement(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']);

export const LabelSelector = Type.Object({
  matchExpressions: Type.Optional(Type.Array(LabelRequirement)),
  matchLabels: Type.Optional(StringMap()),
});

const NodeSelectorTerm = Type.Object({
  matchExpressions: Type.Optional(Type.Array(NodeRequirement)),
  matchFields: Type.Optional(Type.Array(NodeRequirement)),
});

const PodAffinityTerm = Type.Object({
  labelSelector: Type.Optional(LabelSelector),
  namespaceSelector: Type.Optional(LabelSelector),
  namespaces: Type.Optional(Type.Array(Type.String())),
  topologyKey: Type.String(),
});

const WeightedPodAffinityTerm = Type.Object({
  podAffinityTerm: PodAffinityTerm,
  weight: Type.Integer({ format: 'int32', minimum: 1, maximum: 100 }),
});

const PodAffinity = Type.Object({
  preferredDuringSchedulingIgnoredDuringExecution: Type.Optional(Type.Array(WeightedPodAffinityTerm)),
  requiredDuringSchedulingIgnoredDuringExecution: Type.Optional(Type.Array(PodAffinityTerm)),
});

export const Affinity = Type.Object(
  {
    nodeAffinity: Type.Optional(
      Type.Object({
        preferredDuringSchedulingIgnoredDuringExecution: Type.Optional(
          Type.Array(
            Type.Object({
              preference: NodeSelectorTerm,
              weight: Type.Integer({ format: 'int32', minimum: 1, maximum: 100 }),
            }),
          ),
        ),
        requiredDuringSchedulingIgnoredDuringExecution: Type.Optional(Type.Object({ nodeSelectorTerms: Type.Array(NodeSelectorTerm) })),
      }),
    ),
    podAffinity: Type.Optional(PodAffinity),
    podAntiAffinity: Type.Optional(PodAffinity),
  },
  { description: 'Scheduling constraints for the members of this role (core/v1 Affinity).' },
);
export type Affinity = Static<typeof Affinity>;

const KeySelector = (extra: Record<string, never> | object = {}) =>
  Type.Object({
    name: Type.Optional(Type.String()),
    key: Type.String(),
    optional: Type.Optional(Type.Boolean()),
    ...extra,
  });

/**
 * An environment variable. Upstream KubeDirector accepts only literal values;
 * valueFrom (secrets, config maps, downward API) is accepted here as well.
 */
export const EnvVar = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    value: Type.Optional(Type.String()),
    valueFrom: Type.Optional(
      Type.Object({
        configMapKeyRef: Type.Optional(KeySelector()),
        secretKeyRef: Type.Optional(KeySelector()),
        fieldRef: Type.Optional(Type.Object({ apiVersion: Type.Optional(Type.String()), fieldPath: Type.String() })),
        resourceFieldRef: Type.Optional(
          Type.Object({
            containerName: Type.Optional(Type.String()),
            resource: Type.String(),
            divisor: Type.Optional(Quantity()),
          }),
        ),
      }),
    ),
  },
  { 'x-kubernetes-validations': [{ rule: 'has(self.value) != has(self.valueFrom)', message: 'set exactly one of value and valueFrom' }] },
);
export type EnvVar = Static<typeof EnvVar>;

/** Compute resources of a role's members; limits of cpu and memory are required as upstream requires them. */
export const ResourceRequirements = Type.Object({
  limits: Type.Object({ cpu: Quantity(), memory: Quantity() }, { additionalProperties: Quantity() }),
  requests: Type.Optional(ResourceList()),
});
export type ResourceRequirements = Static<typeof ResourceRequirements>;

/** RFC 3339, as metav1.Time is written; TypeBox knows no formats until told, and a stored status must check. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)));

/** A standard Kubernetes condition (meta/v1 Condition); lastTransitionTime comes from the request's own times, never a clock. */
export const Condition = Type.Object({
  type: Type.String({ maxLength: 316 }),
  status: StringEnum(['True', 'False', 'Unknown']),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  lastTransitionTime: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'When the status last changed: the newest time the hook request carried (object creation, deletion, managedFields)',
    }),
  ),
  reason: Type.String({ maxLength: 1024 }),
  message: Type.String({ maxLength: 32768 }),
});
export type Condition = Static<typeof Condition>;
