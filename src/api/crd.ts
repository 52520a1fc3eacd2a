// Turns the TypeBox schemas into apiextensions.k8s.io/v1 CustomResourceDefinitions.
// The output must be a structural schema: every node typed, no unions except
// int-or-string, maps as additionalProperties. Anything else is refused loudly
// so that a schema change cannot silently produce a CRD the API server rejects.
import type { TSchema } from '@sinclair/typebox';
import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';
import { CATEGORY, Definitions, GROUP, VERSION, type ResourceDefinition } from './resources.js';

export type JSONSchemaProps = { [keyword: string]: unknown };

const PASSED_THROUGH = new Set([
  'type',
  'description',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'enum',
  'default',
  'required',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);
const HANDLED = new Set(['properties', 'items', 'anyOf', 'patternProperties', 'additionalProperties', 'const']);

const isNull = (s: TSchema) => s.type === 'null';

/** Converts one TypeBox schema node into a structural OpenAPI v3 schema node. */
export function toStructural(schema: TSchema, path = '<root>'): JSONSchemaProps {
  if (schema.anyOf) return fromUnion(schema, path);
  const out: JSONSchemaProps = {};
  for (const [key, value] of Object.entries(schema)) {
    if (PASSED_THROUGH.has(key)) out[key] = value;
    else if (!HANDLED.has(key)) throw new Error(`${path}: keyword "${key}" has no CRD equivalent`);
  }
  if (schema.const !== undefined) out.enum = [schema.const];
  if (schema.items) out.items = toStructural(schema.items as TSchema, `${path}[]`);
  if (schema.properties) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties as Record<string, TSchema>).map(([name, prop]) => [name, toStructural(prop, `${path}.${name}`)]),
    );
  }
  if (schema.patternProperties) {
    const [pattern, ...more] = Object.values(schema.patternProperties as Record<string, TSchema>);
    if (!pattern || more.length > 0) throw new Error(`${path}: only single-pattern records are supported`);
    out.additionalProperties = toStructural(pattern, `${path}[*]`);
  }
  if (typeof schema.additionalProperties === 'object') mapWithRequiredKeys(schema, out, path);
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  if (out.type === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    throw new Error(`${path}: a structural schema needs a type`);
  }
  return ordered(out);
}

const KEY_ORDER = ['type', 'description', 'required', 'properties', 'items', 'additionalProperties'];

/** Readable key order: type and description first, extensions last. */
function ordered(node: JSONSchemaProps): JSONSchemaProps {
  const rank = (k: string) => (KEY_ORDER.includes(k) ? KEY_ORDER.indexOf(k) : k.startsWith('x-') ? 100 : 50);
  return Object.fromEntries(Object.entries(node).sort(([a], [b]) => rank(a) - rank(b)));
}

/**
 * An object with fixed properties plus additionalProperties of the same schema
 * (resource limits: cpu and memory required, any extended resource allowed).
 * Structural schemas cannot combine the two, so it becomes a map whose
 * required keys are checked by a CEL rule.
 */
function mapWithRequiredKeys(schema: TSchema, out: JSONSchemaProps, path: string) {
  const value = toStructural(schema.additionalProperties as TSchema, `${path}[*]`);
  const props = (out.properties ?? {}) as Record<string, JSONSchemaProps>;
  for (const [name, prop] of Object.entries(props)) {
    if (!isDeepStrictEqual(prop, value)) throw new Error(`${path}.${name}: differs from the map's value schema`);
  }
  const required = (out.required as string[] | undefined) ?? [];
  delete out.properties;
  delete out.required;
  out.additionalProperties = value;
  if (required.length > 0) {
    const rules = (out['x-kubernetes-validations'] as unknown[] | undefined) ?? [];
    out['x-kubernetes-validations'] = [
      ...rules,
      {
        rule: required.map((k) => `'${k}' in self`).join(' && '),
        message: `must set ${required.join(' and ')}`,
        reason: 'FieldValueRequired',
      },
    ];
  }
}

function fromUnion(schema: TSchema, path: string): JSONSchemaProps {
  const { anyOf, ...options } = schema as TSchema & { anyOf: TSchema[] };
  const branches = anyOf.filter((b) => !isNull(b));
  const objectSchema: TSchema = { ...options, type: 'object' };
  const extras = toStructural(objectSchema, path);
  delete extras.type;

  if (options['x-kubernetes-int-or-string']) {
    const pattern = branches.find((b) => b.type === 'string')?.pattern as string | undefined;
    return ordered({ ...extras, anyOf: [{ type: 'integer' }, { type: 'string' }], ...(pattern ? { pattern } : {}) });
  }
  if (branches.length < anyOf.length) {
    const [only, ...others] = branches;
    if (!only || others.length > 0) throw new Error(`${path}: nullable unions need exactly one other branch`);
    return ordered({ ...toStructural(only, path), ...extras, nullable: true });
  }
  if (branches.every((b) => typeof b.const === 'string')) {
    return ordered({ type: 'string', enum: branches.map((b) => b.const as string), ...extras });
  }
  throw new Error(`${path}: unions other than nullable, enum and int-or-string have no structural form`);
}

function rootSchema(def: ResourceDefinition): JSONSchemaProps {
  const properties: Record<string, JSONSchemaProps> = {
    apiVersion: { type: 'string', description: 'Versioned schema of this representation of an object.' },
    kind: { type: 'string', description: 'REST resource this object represents.' },
    metadata: { type: 'object' },
    spec: toStructural(def.spec, 'spec'),
  };
  if (def.status) properties.status = toStructural(def.status, 'status');
  return {
    type: 'object',
    description: def.description,
    ...(def.specRequired ? { required: ['spec'] } : {}),
    properties,
    ...(def.rules ? { 'x-kubernetes-validations': def.rules } : {}),
  };
}

/** The CustomResourceDefinition object of one kind. */
export function customResourceDefinition(def: ResourceDefinition) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: [CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          ...(def.status ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: def.printerColumns,
          schema: { openAPIV3Schema: rootSchema(def) },
        },
      ],
    },
  };
}

const HEADER = '# Generated from src/api by `npm run gen:crds`. Do not edit.\n';

/**
 * Directories that hold a copy of the CRDs: the top-level one (with a kustomization, so kustomize
 * bases can include it) and the Helm chart's (plain manifests only: Helm installs every file there).
 */
export const CRD_DIRECTORIES = [
  { dir: 'crds', kustomization: true },
  { dir: 'metacontroller/chart/crds', kustomization: false },
];

/** File name to YAML content of every CRD, and optionally a kustomization listing them. */
export function renderCrdFiles({ kustomization = true } = {}): Map<string, string> {
  const files = new Map(
    Definitions.map((def) => [
      `${GROUP}_${def.plural}.yaml`,
      HEADER + stringify(customResourceDefinition(def), { lineWidth: 0, aliasDuplicateObjects: false }),
    ]),
  );
  if (kustomization) {
    const resources = [...files.keys()];
    files.set(
      'kustomization.yaml',
      HEADER + stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }),
    );
  }
  return files;
}
