// One CompositeController's sync of its parents, step by step as Metacontroller's
// syncParentObject does it: finalizer, claim children, customize (cached per parent
// generation), sync or finalize hook, finalizer removal, label invariants, children, status.
import { canonicalJson, clone, deepEqual, type JsonObject } from '../json.js';
import { nameKey } from '../kinds.js';
import { namespaceOf, uidOf, type KubeObject } from '../objects.js';
import { matchesSelector } from '../selector.js';
import { claimChildren, parentSelector, type ObjectsByType } from './claim.js';
import { manageChildren, type ApplyCache } from './children.js';
import type { Store } from '../store.js';
import type { ControllerConfig } from './config.js';
import type { HookCall, HookClient, RelatedRule } from './hooks.js';
import { collectRelated } from './related.js';

export class Metacontroller {
  /** Customize responses by parent uid and generation, as Metacontroller caches them. */
  private readonly customizeCache = new Map<string, RelatedRule[]>();
  /** The last response body per hook and parent, to tell whether a round changed anything. */
  private readonly lastResponses = new Map<string, string>();
  private readonly applyCache: ApplyCache = new Map();

  constructor(
    private readonly store: Store,
    private readonly config: ControllerConfig,
    private readonly controller: JsonObject,
    private readonly hooks: HookClient,
    private readonly calls: HookCall[],
    private readonly report: (parent: string, message: string) => void,
  ) {}

  /** Syncs every parent once; returns what changed in the hooks' answers. */
  async syncAll(): Promise<string[]> {
    const first = this.calls.length;
    for (const parent of await this.store.list(this.config.parent.kind)) {
      const key = nameKey(parent);
      try {
        await this.sync(parent);
      } catch (error) {
        this.report(key, (error as Error).message);
      }
    }
    const changed: string[] = [];
    for (const call of this.calls.slice(first)) {
      const id = `${call.hook} ${call.parent}`;
      const body = canonicalJson(call.response ?? null);
      if (this.lastResponses.get(id) !== body) changed.push(`${call.hook} response for ${call.parent} changed`);
      this.lastResponses.set(id, body);
    }
    return changed;
  }

  private async sync(observedParent: KubeObject): Promise<void> {
    const { store, config } = this;
    const key = nameKey(observedParent);
    let parent = await this.syncFinalizer(observedParent);
    const observed = await claimChildren(store, config, parent);
    const related = await this.related(parent);
    const finalizing = Boolean(parent.metadata.deletionTimestamp) && config.hasFinalize;
    const request = { controller: this.controller, parent, children: observed, related, finalizing };
    const result = await this.hooks.sync(finalizing ? 'finalize' : 'sync', key, request);
    for (const child of result.children) child.metadata.namespace ||= parent.metadata.namespace;

    if (result.finalized) {
      parent = await store.update({
        ...parent,
        metadata: { ...parent.metadata, finalizers: without(parent.metadata.finalizers, config.finalizer) },
      });
    }
    this.enforceLabels(parent, result.children);
    const alive = !parent.metadata.deletionTimestamp;
    const finalizable = config.hasFinalize && (parent.metadata.finalizers ?? []).includes(config.finalizer);
    if (alive || finalizable) {
      const report = (message: string) => {
        this.report(key, message);
      };
      await manageChildren({ store, config, cache: this.applyCache, report }, parent, observed, result.children);
    }
    await this.updateStatus(parent, result.status);
  }

  /** Adds the finalizer to a live parent when there is a finalize hook (removes it when there is none). */
  private async syncFinalizer(parent: KubeObject): Promise<KubeObject> {
    const { finalizer, hasFinalize } = this.config;
    const has = (parent.metadata.finalizers ?? []).includes(finalizer);
    if (has === hasFinalize || (hasFinalize && parent.metadata.deletionTimestamp)) return parent;
    const finalizers = hasFinalize ? [...(parent.metadata.finalizers ?? []), finalizer] : without(parent.metadata.finalizers, finalizer);
    return this.store.update({ ...parent, metadata: { ...parent.metadata, finalizers } });
  }

  private async related(parent: KubeObject): Promise<ObjectsByType> {
    if (!this.config.hasCustomize) return {};
    const cacheKey = `${uidOf(parent)}/${String(parent.metadata.generation)}`;
    let rules = this.customizeCache.get(cacheKey);
    if (!rules) {
      rules = await this.hooks.customize(nameKey(parent), { controller: this.controller, parent });
      this.customizeCache.set(cacheKey, rules);
    }
    return collectRelated(this.store, rules);
  }

  /** With generateSelector every child gets the controller-uid label; every child must match the selector. */
  private enforceLabels(parent: KubeObject, children: KubeObject[]): void {
    const selector = parentSelector(this.config, parent);
    for (const child of children) {
      // As the hook sent them: nothing has checked them yet.
      const labels: Record<string, unknown> = child.metadata.labels ?? {};
      if (Object.values(labels).some((v) => typeof v !== 'string'))
        throw new Error(`invalid labels on desired child ${child.kind} ${nameKey(child)}`);
      if (this.config.generateSelector) (child.metadata.labels ??= {})['controller-uid'] ??= uidOf(parent);
      if (!matchesSelector(selector, child.metadata.labels))
        throw new Error(`labels on desired child ${child.kind} ${nameKey(child)} don't match parent selector`);
    }
  }

  /** Status is replaced whole, with observedGeneration added; written only when it differs. */
  private async updateStatus(parent: KubeObject, status: JsonObject | undefined): Promise<void> {
    const fresh = await this.store.get(parent.kind, namespaceOf(parent), parent.metadata.name);
    if (!fresh || fresh.metadata.uid !== parent.metadata.uid) return;
    const next = { ...clone(status ?? {}), observedGeneration: parent.metadata.generation };
    if (deepEqual(fresh.status, next)) return;
    try {
      await this.store.updateStatus({ ...fresh, status: next });
    } catch (error) {
      throw new Error(`can't update status: ${(error as Error).message}`);
    }
  }
}

const without = (list: string[] | undefined, item: string) => (list ?? []).filter((x) => x !== item);
