// Metacontroller's client-side apply (pkg/dynamic/apply): a 3-way merge of the observed
// object, the last applied desired state (from an annotation) and the new desired state.
import { clone, isObject, type JsonObject } from './json.js';

/** Where Metacontroller's dynamic-apply keeps what it last applied (pkg/dynamic/apply). */
export const LAST_APPLIED = 'metacontroller.k8s.io/last-applied-configuration';

/** Fields of a list item that make Metacontroller treat the list as a map, in order of preference. */
const MERGE_KEYS = ['containerPort', 'port', 'mountPath', 'name', 'uid', 'ip', 'path'];

export interface MergeOptions {
  /** Merge lists of keyed objects item by item (Metacontroller); false replaces every list (a JSON merge patch, as kubectl uses for custom resources). */
  listMaps?: boolean;
}

/** observed with the change from lastApplied to desired applied to it (inputs are not modified; a lastApplied that is not an object counts as none). */
export function threeWayMerge(
  observed: JsonObject,
  lastApplied: unknown,
  desired: JsonObject,
  { listMaps = true }: MergeOptions = {},
): JsonObject {
  return new Merger(listMaps).object(clone(observed), isObject(lastApplied) ? lastApplied : undefined, clone(desired));
}

class Merger {
  constructor(private readonly listMaps: boolean) {}

  /** The shape of the destination decides; a last-applied or desired value of another shape counts as absent. */
  value(destination: unknown, lastApplied: unknown, desired: unknown): unknown {
    if (isObject(destination))
      return this.object(destination, isObject(lastApplied) ? lastApplied : undefined, isObject(desired) ? desired : undefined);
    if (Array.isArray(destination)) {
      return this.array(destination, Array.isArray(lastApplied) ? lastApplied : undefined, Array.isArray(desired) ? desired : undefined);
    }
    return desired;
  }

  object(destination: JsonObject, lastApplied: JsonObject | undefined, desired: JsonObject | undefined): JsonObject {
    // Fields the previous desired state had and this one dropped are removed.
    for (const key of Object.keys(lastApplied ?? {})) if (!desired || !(key in desired)) delete destination[key];
    for (const [key, value] of Object.entries(desired ?? {})) destination[key] = this.value(destination[key], lastApplied?.[key], value);
    return destination;
  }

  array(destination: unknown[], lastApplied: unknown[] | undefined, desired: unknown[] | undefined): unknown {
    const key = this.listMaps ? listMapKey(destination, lastApplied ?? [], desired ?? []) : undefined;
    // Not a list of keyed objects: the desired list replaces the observed one.
    if (!key) return desired ?? null;
    // listMapKey found every item an object.
    const id = (item: unknown) => String(isObject(item) ? item[key] : undefined);
    const toMap = (list: unknown[] = []) => Object.fromEntries(list.map((item) => [id(item), item]));
    const merged = this.object(toMap(destination), lastApplied && toMap(lastApplied), desired && toMap(desired));
    // Observed order first, then new desired items in their order.
    const added = new Set<string>();
    const result: unknown[] = [];
    for (const itemId of destination.map(id)) {
      if (itemId in merged) {
        result.push(merged[itemId]);
        added.add(itemId);
      }
    }
    for (const itemId of (desired ?? []).map(id)) {
      if (!added.has(itemId)) {
        result.push(merged[itemId]);
        added.add(itemId);
      }
    }
    return result;
  }
}

/** The merge key every item of every list has, when all items are objects; undefined otherwise. */
function listMapKey(...lists: unknown[][]): string | undefined {
  let common: Set<string> | undefined;
  for (const item of lists.flat()) {
    if (!isObject(item)) return undefined;
    common = common ? new Set([...common].filter((k) => k in item)) : new Set(Object.keys(item));
  }
  return MERGE_KEYS.find((key) => common?.has(key));
}
