// Plain-JSON helpers: the simulator stores objects as JSON values, the way the API server
// and Metacontroller's unstructured objects see them. Free-form parts are JsonObjects whose
// fields are read through the narrowing helpers below, never assumed.
import { isDeepStrictEqual } from 'node:util';

/** A JSON object whose fields are not known in advance: each is checked where it is read. */
export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** obj[key] when it is an object, else undefined. */
export const objectAt = (obj: JsonObject, key: string): JsonObject | undefined => {
  const value = obj[key];
  return isObject(value) ? value : undefined;
};

/** obj[key] when it is an array, else an empty one. */
export const arrayAt = (obj: JsonObject, key: string): unknown[] => {
  const value = obj[key];
  return Array.isArray(value) ? value : [];
};

/** The objects among obj[key]'s items (an absent or non-list field has none). */
export const objectsAt = (obj: JsonObject, key: string): JsonObject[] => arrayAt(obj, key).filter(isObject);

/** obj[key] when it is a string, else undefined. */
export const stringAt = (obj: JsonObject, key: string): string | undefined => {
  const value = obj[key];
  return typeof value === 'string' ? value : undefined;
};

export const clone = <T>(value: T): T => structuredClone(value);

/** Equality of JSON values. */
export const deepEqual = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);

/** JSON with object keys sorted, as Go encodes maps: equal values give equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/** The paths (`.spec.replicas`, `.status`) where a and b differ, at most `limit` of them. */
export function diffPaths(a: unknown, b: unknown, limit = 5, path = ''): string[] {
  if (deepEqual(a, b)) return [];
  if (!isObject(a) || !isObject(b)) return [path || '.'];
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (out.length >= limit) break;
    out.push(...diffPaths(a[key], b[key], limit - out.length, `${path}.${key}`));
  }
  return out;
}

/** One step of a JSONPath: a field, optionally followed by a filter on a list, `[?(@.type=="Ready")]`. */
const STEP = /\.([^.[]+)(?:\[\?\(@\.([^=]+)=="([^"]*)"\)\])?/g;

/**
 * The value at a JSONPath as printer columns use them: `.status.readyMembers`, or with filters,
 * `.status.conditions[?(@.type=="Ready")].reason` (the first match; no wildcards).
 */
export function valueAt(obj: unknown, jsonPath: string): unknown {
  let value = obj;
  for (const [, key = '', field, wanted] of jsonPath.matchAll(STEP)) {
    value = isObject(value) ? value[key] : undefined;
    if (field !== undefined) value = Array.isArray(value) ? value.find((item) => isObject(item) && item[field] === wanted) : undefined;
  }
  return value;
}
