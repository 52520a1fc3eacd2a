// Validation of objects against the Kubernetes OpenAPI schema (kubernetes-models), by apiVersion and kind.
import { createRequire } from 'node:module';
import type { KubeObject } from '../../src/api/meta.js';

const require = createRequire(import.meta.url);

type ModelClass = new (data: unknown) => { validate(): void };

/** The model class of apiVersion/kind, or undefined when kubernetes-models has none (custom resources). */
export function modelClass(apiVersion: string, kind: string): ModelClass | undefined {
  try {
    const module = require(`kubernetes-models/${apiVersion}`) as Record<string, ModelClass>;
    return module[kind];
  } catch {
    return undefined;
  }
}

/** The schema violations of a built-in object ([] when valid); throws for kinds it does not know. */
export function kubernetesErrors(object: KubeObject): string[] {
  const Model = modelClass(object.apiVersion, object.kind);
  if (!Model) throw new Error(`no Kubernetes schema for ${object.apiVersion} ${object.kind}`);
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [`${object.kind}/${object.metadata.name}: ${(error as Error).message}`];
  }
}
