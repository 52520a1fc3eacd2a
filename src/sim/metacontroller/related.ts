// The related objects a customize response asks for. With hook version v2 a rule without a
// namespace selects across all namespaces (v1 limited it to the parent's namespace).
import { kindOfResource, nameKey, typeKey } from '../kinds.js';
import { matchesSelector } from '../selector.js';
import type { Store } from '../store.js';
import type { ObjectsByType } from './claim.js';
import type { RelatedRule } from './hooks.js';

export async function collectRelated(store: Store, rules: RelatedRule[]): Promise<ObjectsByType> {
  const related: ObjectsByType = {};
  for (const rule of rules) {
    const info = kindOfResource(rule.apiVersion, rule.resource);
    if (!info) throw new Error(`can't find resource "${rule.resource}" in apiVersion "${rule.apiVersion}"`);
    const names = rule.names ?? [];
    if (names.length && (rule.labelSelector || rule.namespaceSelector)) {
      throw new Error(`related rule cannot have both names and labelSelector/namespaceSelector specified: ${JSON.stringify(rule)}`);
    }
    if (rule.namespaceSelector) throw new Error('related rules with namespaceSelector are not simulated');
    const group = (related[typeKey(info)] ??= {});
    for (const obj of await store.list(info.kind, rule.namespace || undefined)) {
      const selected = names.length ? names.includes(obj.metadata.name) : matchesSelector(rule.labelSelector, obj.metadata.labels);
      if (selected) group[nameKey(obj)] = obj;
    }
  }
  return related;
}
