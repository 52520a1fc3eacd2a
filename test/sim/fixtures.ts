// Fake hook servers and objects for the simulator's tests. The hooks are scripted per test,
// so the simulator is checked on its own, not through the reconciler.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Simulator, type KubeObject, type SimulatorOptions } from '../../src/sim/index.js';

export type Hook = 'customize' | 'sync' | 'finalize';
export type Json = any;

/** A reply other than 200 with a JSON body. */
export class Reply {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {}
}

/** Answers each hook call with what handler returns (200 JSON unless it is a Reply). */
export type Handler = (hook: Hook, request: Json) => unknown;

export interface FakeHooks {
  url: string;
  close(): Promise<void>;
}

export async function fakeHooks(handler: Handler): Promise<FakeHooks> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const hook = req.url!.slice(1) as Hook;
      let reply: unknown;
      try {
        reply = handler(hook, JSON.parse(body));
      } catch (error) {
        reply = new Reply(500, `handler failed: ${(error as Error).message}`);
      }
      const { status, text } = reply instanceof Reply ? reply : { status: 200, text: JSON.stringify(reply) };
      res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}

export const NS = 'demo';
export const FINALIZER = 'metacontroller.io/compositecontroller-kubedirectorclusters';

export function compositeController(
  overrides: { finalize?: boolean; customize?: boolean; updateMethod?: string } = {},
): Record<string, unknown> {
  const { finalize = true, customize = true, updateMethod = 'InPlace' } = overrides;
  const hook = (name: string) => ({ version: 'v2', webhook: { url: `http://hooks.example/${name}` } });
  const child = (apiVersion: string, resource: string) => ({ apiVersion, resource, updateStrategy: { method: updateMethod } });
  return {
    apiVersion: 'metacontroller.k8s.io/v1alpha1',
    kind: 'CompositeController',
    metadata: { name: 'kubedirectorclusters' },
    spec: {
      generateSelector: true,
      parentResource: { apiVersion: 'kubedirector.hpe.com/v1beta1', resource: 'kubedirectorclusters' },
      childResources: [
        child('apps/v1', 'statefulsets'),
        child('v1', 'services'),
        child('v1', 'persistentvolumeclaims'),
        child('v1', 'configmaps'),
        child('v1', 'secrets'),
      ],
      hooks: {
        sync: hook('sync'),
        ...(customize ? { customize: hook('customize') } : {}),
        ...(finalize ? { finalize: hook('finalize') } : {}),
      },
    },
  };
}

export function cluster(name = 'spark', spec: Json = { app: 'spark', roles: [role('worker', 1)] }): KubeObject {
  return { apiVersion: 'kubedirector.hpe.com/v1beta1', kind: 'KubeDirectorCluster', metadata: { name, namespace: NS }, spec };
}

export const role = (id: string, members: number): Json => ({ id, members, resources: { limits: { cpu: '1', memory: '1Gi' } } });

export function configMap(name: string, data: Record<string, string> = {}, extra: Json = {}): Json {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, ...extra.metadata }, data };
}

export function service(name: string, spec: Json): Json {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec };
}

export function claim(name: string, storage = '1Gi', labels: Record<string, string> = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: NS, labels },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
  };
}

export interface SetOptions {
  replicas?: number;
  image?: string;
  policy?: 'Parallel' | 'OrderedReady';
  storage?: string;
  serviceName?: string;
  labels?: Record<string, string>;
}

/** A StatefulSet with one app container and (unless storage is '') one claim template `p`. */
export function statefulSet(name: string, options: SetOptions = {}): Json {
  const {
    replicas = 1,
    image = 'example/app:1.0',
    policy = 'Parallel',
    storage = '1Gi',
    serviceName = `${name}-hs`,
    labels = {},
  } = options;
  const selector = { 'kd.example/set': name };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      serviceName,
      podManagementPolicy: policy,
      selector: { matchLabels: selector },
      template: { metadata: { labels: { ...selector, ...labels } }, spec: { containers: [{ name: 'app', image }] } },
      ...(storage
        ? {
            volumeClaimTemplates: [
              {
                metadata: { name: 'p', labels: { ...selector, ...labels } },
                spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
              },
            ],
          }
        : {}),
    },
  };
}

/** A simulator calling fake hooks that answer with handler; the server closes when the test ends. */
export async function setup(t: { teardown(fn: () => unknown): void }, handler: Handler, options: Partial<SimulatorOptions> = {}) {
  const hooks = await fakeHooks(handler);
  t.teardown(() => hooks.close());
  return new Simulator({ hookUrl: hooks.url, controller: compositeController(), ...options });
}

/** A handler whose sync returns the current value of desired(), and finalize the same with finalized: true. */
export function syncing(desired: (request: Json) => Json[], status: (request: Json) => Json = () => ({ state: 'configured' })): Handler {
  return (hook, request) => {
    if (hook === 'customize') return { relatedResources: [] };
    const response: Json = { status: status(request), children: desired(request) };
    return hook === 'finalize' ? { ...response, finalized: true } : response;
  };
}

/** Objects of a sync request's children (or related) map, flattened. */
export const objectsOf = (map: Json): Json[] => Object.values(map).flatMap((byName) => Object.values(byName as object));
