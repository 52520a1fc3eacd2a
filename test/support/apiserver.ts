// What the Kubernetes API server does with a custom resource, for tests: strict
// field validation (unknown fields are errors, as `kubectl apply` asks), pruning,
// OpenAPI value validation, list-map uniqueness and CEL rules, transition rules included.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { evaluate } from '@marcbachmann/cel-js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { JSONSchemaProps } from '../../src/api/crd.js';

type Json = unknown;
type Obj = Record<string, Json>;

interface CelRule {
  rule: string;
  message: string;
}

export interface Admission {
  /** Everything the API server would refuse, as path: message. */
  errors: string[];
  /** Fields the schema does not declare: refused by strict field validation, pruned otherwise. */
  unknownFields: string[];
  /** The object as it would be stored. */
  stored: Obj;
}

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Walks value and schema together, returning the pruned value; records undeclared fields. */
function prune(value: Json, schema: JSONSchemaProps, path: string, unknown: string[]): Json {
  if (value === null) return null;
  if (schema['x-kubernetes-preserve-unknown-fields'] && !schema.properties && !schema.additionalProperties) return value;
  if (Array.isArray(value) && schema.items) {
    return value.map((item, i) => prune(item, schema.items as JSONSchemaProps, `${path}[${i}]`, unknown));
  }
  if (!isObj(value)) return value;
  const props = (schema.properties ?? {}) as Record<string, JSONSchemaProps>;
  const additional = schema.additionalProperties as JSONSchemaProps | undefined;
  const out: Obj = {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema = props[key] ?? additional;
    if (childSchema) {
      // A null in a non-nullable field is dropped, not stored.
      if (child === null && !childSchema.nullable) continue;
      out[key] = prune(child, childSchema, `${path}.${key}`, unknown);
    } else if (schema['x-kubernetes-preserve-unknown-fields']) {
      out[key] = child;
    } else {
      unknown.push(`${path}.${key}`);
    }
  }
  return out;
}

/** Integers as CEL sees them (int64), recursively. */
function toCel(value: Json): Json {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(toCel);
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  return value;
}

/** Evaluates x-kubernetes-validations and list-map uniqueness along value (and the old value for transition rules). */
function checkRules(value: Json, old: Json, schema: JSONSchemaProps, path: string, errors: string[]) {
  if (value === undefined || value === null) return;
  for (const { rule, message } of (schema['x-kubernetes-validations'] ?? []) as CelRule[]) {
    const transition = rule.includes('oldSelf');
    if (transition && (old === undefined || old === null)) continue;
    let result: unknown;
    try {
      result = evaluate(rule, { self: toCel(value), ...(transition ? { oldSelf: toCel(old) } : {}) });
    } catch (error) {
      result = `error: ${(error as Error).message}`;
    }
    if (result !== true) errors.push(`${path}: Invalid value: ${message}${result === false ? '' : ` (${String(result)})`}`);
  }
  if (Array.isArray(value) && schema.items) {
    const keys = schema['x-kubernetes-list-map-keys'] as string[] | undefined;
    const keyOf = (item: Json) => (keys ? JSON.stringify(keys.map((k) => (item as Obj)[k])) : JSON.stringify(item));
    const unique = keys ?? schema['x-kubernetes-list-type'] === 'set';
    const oldByKey = new Map(keys && Array.isArray(old) ? old.map((item) => [keyOf(item), item]) : []);
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const key = keyOf(item);
      if (unique && seen.has(key)) errors.push(`${path}[${i}]: Duplicate value: ${key}`);
      seen.add(key);
      checkRules(item, oldByKey.get(key), schema.items as JSONSchemaProps, `${path}[${i}]`, errors);
    });
    return;
  }
  if (!isObj(value)) return;
  const props = (schema.properties ?? {}) as Record<string, JSONSchemaProps>;
  for (const [key, child] of Object.entries(value)) {
    const childSchema = props[key] ?? (schema.additionalProperties as JSONSchemaProps | undefined);
    if (childSchema) checkRules(child, isObj(old) ? old[key] : undefined, childSchema, `${path}.${key}`, errors);
  }
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new WeakMap<JSONSchemaProps, ValidateFunction>();

function ajvErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? [])
    .filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if')
    .map((e) => `${e.instancePath.replaceAll('/', '.') || '.'}: ${e.message ?? 'invalid'}`);
}

export interface CustomResourceDefinition {
  spec: { names: { kind: string }; versions: { schema: { openAPIV3Schema: JSONSchemaProps } }[] };
}

/** Admission of object (an update when old is given) against the CRD, as the API server would do it. */
export function admit(crd: CustomResourceDefinition, object: Obj, old?: Obj): Admission {
  const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;
  const unknownFields: string[] = [];
  const { metadata, ...rest } = object;
  const stored = { ...(prune(rest, schema, '', unknownFields) as Obj), metadata };
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  const errors = validate(stored) ? [] : ajvErrors(validate.errors);
  checkRules(stored, old, schema, '', errors);
  if (object.kind !== crd.spec.names.kind) errors.push(`.kind: expected ${crd.spec.names.kind}`);
  return { errors, unknownFields, stored };
}

/** The committed CRD of a kind, read from crds/. */
export function committedCrd(plural: string): CustomResourceDefinition {
  return parse(readFileSync(new URL(`../../crds/kubedirector.hpe.com_${plural}.yaml`, import.meta.url), 'utf8'));
}
