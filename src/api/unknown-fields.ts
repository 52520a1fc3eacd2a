// Fields of a manifest that its schema does not know. The CRDs keep unknown fields, as
// upstream's do, so a misspelt field (`defaultPersistDir`) is stored and silently ignored; this
// finds such fields, with the known name nearest to each, for a warning.
import type { TSchema } from '@sinclair/typebox';

export interface UnknownField {
  /** JSON-path-like location, e.g. `spec.roles[1].persistDir`. */
  path: string;
  /** The known name at that place nearest to the unknown one, when one is close enough. */
  nearest?: string;
}

type Schema = TSchema & {
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  patternProperties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  type?: string | string[];
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Edit distance, case-insensitive: a wrong case is a typo too. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) {
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[y.length] ?? 0;
}

/** The known name nearest to name: within a third of its length (at least 2 edits), ties to the first. */
export function nearestName(name: string, known: string[]): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** The branch of a union the value fits best: an object branch for an object, an array branch for an array. */
function branch(schema: Schema, value: unknown): Schema | undefined {
  if (!schema.anyOf) return schema;
  const wanted = Array.isArray(value) ? 'array' : isObject(value) ? 'object' : undefined;
  return schema.anyOf.find((s) => s.type === wanted) ?? (wanted === 'object' ? schema.anyOf.find((s) => s.properties) : undefined);
}

export function unknownFields(schema: TSchema, value: unknown, path: string): UnknownField[] {
  const found: UnknownField[] = [];
  const walk = (s: Schema | undefined, v: unknown, at: string): void => {
    const fit = s && branch(s, v);
    if (!fit) return;
    if (Array.isArray(v)) {
      if (fit.items)
        v.forEach((item, i) => {
          walk(fit.items, item, `${at}[${i}]`);
        });
      return;
    }
    // A free-form object keeps anything; one with properties that also keeps unknown fields (as
    // the app spec does, like upstream's) still has names to get wrong.
    if (!isObject(v) || (fit['x-kubernetes-preserve-unknown-fields'] && !fit.properties)) return;
    const known = Object.keys(fit.properties ?? {});
    for (const [key, child] of Object.entries(v)) {
      const property = fit.properties?.[key];
      if (property) walk(property, child, `${at}.${key}`);
      else if (typeof fit.additionalProperties === 'object') walk(fit.additionalProperties, child, `${at}.${key}`);
      else if (fit.patternProperties) walk(Object.values(fit.patternProperties)[0], child, `${at}.${key}`);
      else if (fit.properties) {
        const nearest = nearestName(key, known);
        found.push({ path: `${at}.${key}`, ...(nearest ? { nearest } : {}) });
      }
    }
  };
  walk(schema, value, path);
  return found;
}

/** One line per field: `spec.x is not a field of <what> (did you mean y?)`. */
export function describeUnknown(fields: UnknownField[], what: string): string {
  return fields.map((f) => `${f.path} is not a field of ${what}${f.nearest ? ` (did you mean ${f.nearest}?)` : ''}`).join('; ');
}
