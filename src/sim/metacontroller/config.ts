// What the simulator needs from a CompositeController object, checked up front so that a
// controller the simulator cannot play faithfully fails loudly instead of behaving differently.
import { arrayAt, isObject, objectAt, type JsonObject } from '../json.js';
import { kindOfResource, typeKey, type KindInfo } from '../kinds.js';

export type UpdateMethod = 'OnDelete' | 'InPlace' | 'Recreate';

/** Metacontroller's --apply-strategy (a command-line flag, not part of the CompositeController). */
export type ApplyStrategy = 'dynamic-apply' | 'server-side-apply';

export interface ChildType {
  info: KindInfo;
  /** `Kind.apiVersion`, the outer key of the children map. */
  key: string;
  updateMethod: UpdateMethod;
}

export interface ControllerConfig {
  name: string;
  parent: KindInfo;
  children: ChildType[];
  generateSelector: boolean;
  hasCustomize: boolean;
  hasFinalize: boolean;
  /** The finalizer Metacontroller puts on parents when the controller has a finalize hook. */
  finalizer: string;
  applyStrategy: ApplyStrategy;
}

const UPDATE_METHODS: unknown[] = ['OnDelete', 'InPlace', 'Recreate'] satisfies UpdateMethod[];
const isUpdateMethod = (method: unknown): method is UpdateMethod => UPDATE_METHODS.includes(method);

export function readController(controller: JsonObject, applyStrategy: ApplyStrategy = 'dynamic-apply'): ControllerConfig {
  const name = objectAt(controller, 'metadata')?.name;
  const spec = controller.spec;
  if (typeof name !== 'string' || !isObject(spec)) throw new Error('the CompositeController needs metadata.name and spec');
  const parent = resource(objectAt(spec, 'parentResource') ?? {}, 'spec.parentResource');
  const children = arrayAt(spec, 'childResources').map((value, i): ChildType => {
    const rule = isObject(value) ? value : {};
    const info = resource(rule, `spec.childResources[${i}]`);
    const method = objectAt(rule, 'updateStrategy')?.method ?? 'OnDelete';
    if (!isUpdateMethod(method))
      throw new Error(
        `spec.childResources[${i}]: update method ${typeof method === 'string' ? method : JSON.stringify(method)} is not simulated`,
      );
    return { info, key: typeKey(info), updateMethod: method };
  });
  const hooks = objectAt(spec, 'hooks') ?? {};
  for (const hook of ['customize', 'sync', 'finalize']) {
    if (hooks[hook] && objectAt(hooks, hook)?.version !== 'v2') throw new Error(`spec.hooks.${hook}: only hook version v2 is simulated`);
  }
  if (!hooks.sync) throw new Error('spec.hooks.sync is required');
  return {
    name,
    parent,
    children,
    generateSelector: spec.generateSelector === true,
    hasCustomize: Boolean(hooks.customize),
    hasFinalize: Boolean(hooks.finalize),
    finalizer: `metacontroller.io/compositecontroller-${name}`,
    applyStrategy,
  };
}

function resource(rule: JsonObject, path: string): KindInfo {
  const { apiVersion, resource: plural } = rule;
  const info = typeof apiVersion === 'string' && typeof plural === 'string' ? kindOfResource(apiVersion, plural) : undefined;
  if (!info) throw new Error(`${path}: the simulator has no resource ${String(plural)} in ${String(apiVersion)}`);
  return info;
}
