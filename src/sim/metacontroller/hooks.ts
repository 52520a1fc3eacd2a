// Calling the hooks over HTTP the way Metacontroller does: POST JSON (map keys sorted, as Go
// encodes them), only 200 is success, and v2 responses are decoded strictly, so a field
// Metacontroller does not know fails the call.
import { canonicalJson, clone, isObject, objectAt, type JsonObject } from '../json.js';
import type { KubeObject } from '../objects.js';
import type { LabelSelector } from '../selector.js';

export type HookName = 'customize' | 'sync' | 'finalize';

export interface HookCall {
  hook: HookName;
  /** `namespace/name` of the parent. */
  parent: string;
  request: unknown;
  /** The response body: parsed JSON, or the text when it is not JSON. */
  response: unknown;
  /** HTTP status; 0 when no response arrived. */
  status: number;
}

export interface SyncResult {
  status: JsonObject | undefined;
  children: KubeObject[];
  finalized: boolean;
}

export interface RelatedRule {
  apiVersion: string;
  resource: string;
  namespace?: string;
  names?: string[];
  labelSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
}

export class HookClient {
  constructor(
    private readonly baseUrl: string,
    private readonly calls: HookCall[],
  ) {}

  async sync(hook: 'sync' | 'finalize', parent: string, request: JsonObject): Promise<SyncResult> {
    return parseSyncResponse(hook, await this.post(hook, parent, request));
  }

  async customize(parent: string, request: JsonObject): Promise<RelatedRule[]> {
    return parseCustomizeResponse(await this.post('customize', parent, request));
  }

  /** The decoded JSON body of a 200 answer; anything else is an error. */
  private async post(hook: HookName, parent: string, request: JsonObject): Promise<unknown> {
    const call: HookCall = { hook, parent, request, response: undefined, status: 0 };
    this.calls.push(call);
    let text: string;
    try {
      const reply = await fetch(`${this.baseUrl}/${hook}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: canonicalJson(request),
      });
      call.status = reply.status;
      text = await reply.text();
    } catch (error) {
      throw new Error(`${hook} hook failed: http error: ${(error as Error).message}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      call.response = text;
      if (call.status !== 200) throw new Error(`${hook} hook failed: unsupported status code: ${call.status} body: ${text}`);
      throw new Error(
        `${hook} hook failed: can't unmarshal webhookResponse (version: v2, type: ${hook}): body is not JSON: ${text.slice(0, 200)}`,
      );
    }
    call.response = body;
    if (call.status !== 200) throw new Error(`${hook} hook failed: unsupported status code: ${call.status} body: ${text}`);
    return body;
  }
}

/** A decoding failure: a wrong type (unmarshal error) or a field Go's strict decoder does not know. */
class Decoder {
  readonly unknown: string[] = [];
  readonly wrong: string[] = [];

  /** obj as a struct with the given fields; null counts as absent. */
  struct(value: unknown, path: string, fields: string[]): JsonObject | undefined {
    if (value === null || value === undefined) return undefined;
    if (!isObject(value)) {
      this.wrong.push(`${path || 'response'}: expected an object`);
      return undefined;
    }
    for (const key of Object.keys(value)) if (!fields.includes(key)) this.unknown.push(`unknown field "${path ? `${path}.` : ''}${key}"`);
    return value;
  }

  check(ok: boolean, path: string, expected: string): void {
    if (!ok) this.wrong.push(`${path}: expected ${expected}`);
  }

  finish(hook: HookName): void {
    if (this.wrong.length)
      throw new Error(`${hook} hook failed: can't unmarshal webhookResponse (version: v2, type: ${hook}): ${this.wrong.join('; ')}`);
    if (this.unknown.length)
      throw new Error(
        `${hook} hook failed: strict validation failed for v2 webhookResponse (type: ${hook}, mode: Strict): ${this.unknown.join(', ')}`,
      );
  }
}

const absent = (v: unknown) => v === null || v === undefined;

export function parseSyncResponse(hook: 'sync' | 'finalize', body: unknown): SyncResult {
  const d = new Decoder();
  const response = d.struct(body, '', ['status', 'children', 'resyncAfterSeconds', 'finalized']) ?? {};
  d.check(absent(response.status) || isObject(response.status), 'status', 'an object');
  d.check(absent(response.children) || Array.isArray(response.children), 'children', 'an array');
  d.check(absent(response.resyncAfterSeconds) || typeof response.resyncAfterSeconds === 'number', 'resyncAfterSeconds', 'a number');
  d.check(absent(response.finalized) || typeof response.finalized === 'boolean', 'finalized', 'a boolean');
  const children: unknown[] = Array.isArray(response.children) ? response.children : [];
  children.forEach((child, i) => {
    const ok = isObject(child) && typeof child.kind === 'string' && child.kind !== '' && typeof child.apiVersion === 'string';
    d.check(ok, `children[${i}]`, 'an object with apiVersion and kind');
    if (ok) d.check(absent(child.metadata) || isObject(child.metadata), `children[${i}].metadata`, 'an object');
  });
  d.finish(hook);
  return {
    status: isObject(response.status) ? response.status : undefined,
    // Copies: Metacontroller fills in namespaces and labels, the recorded response stays as sent.
    // Checked above to have a kind, an apiVersion and metadata; the rest is the API server's to judge.
    children: children
      .filter(isObject)
      .map((child) => ({ ...clone(child), metadata: { ...clone(objectAt(child, 'metadata')) } }) as KubeObject),
    finalized: response.finalized === true,
  };
}

const SELECTOR_FIELDS = ['matchLabels', 'matchExpressions'];

export function parseCustomizeResponse(body: unknown): RelatedRule[] {
  const d = new Decoder();
  const response = d.struct(body, '', ['relatedResources']) ?? {};
  d.check(absent(response.relatedResources) || Array.isArray(response.relatedResources), 'relatedResources', 'an array');
  const rules: unknown[] = Array.isArray(response.relatedResources) ? response.relatedResources : [];
  rules.forEach((value, i) => {
    const path = `relatedResources[${i}]`;
    const rule = d.struct(value, path, ['apiVersion', 'resource', 'namespace', 'names', 'labelSelector', 'namespaceSelector']);
    if (!rule) return;
    for (const field of ['apiVersion', 'resource', 'namespace'])
      d.check(absent(rule[field]) || typeof rule[field] === 'string', `${path}.${field}`, 'a string');
    d.check(
      absent(rule.names) || (Array.isArray(rule.names) && rule.names.every((n: unknown) => typeof n === 'string')),
      `${path}.names`,
      'an array of strings',
    );
    for (const field of ['labelSelector', 'namespaceSelector']) {
      const selector = d.struct(rule[field], `${path}.${field}`, SELECTOR_FIELDS);
      const labels = selector?.matchLabels;
      d.check(
        absent(labels) || (isObject(labels) && Object.values(labels).every((v) => typeof v === 'string')),
        `${path}.${field}.matchLabels`,
        'a map of strings',
      );
    }
  });
  d.finish('customize');
  // Checked above: strings, a list of strings and selectors where given (null counts as absent).
  const checked = rules.filter(isObject) as Partial<RelatedRule>[];
  return checked.map((rule) => ({ ...rule, apiVersion: rule.apiVersion ?? '', resource: rule.resource ?? '' }));
}
