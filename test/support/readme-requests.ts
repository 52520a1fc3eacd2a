// The requests the README's debugging section sends (test/fixtures/requests/*.json): the Spark
// example as Metacontroller sends it on the first sync and once the cluster is being deleted.
// `npx tsx test/support/readme-requests.ts` writes them; test/server/readme.test.ts keeps them current.
import { readFileSync, writeFileSync } from 'node:fs';
import type { HookRequest } from '../../src/api/hook.js';
import type { KubeObject } from '../../src/api/meta.js';
import { sync } from '../../src/reconcile/sync.js';
import { readYaml, repoPath } from './fixtures.js';
import { catalogObjects } from './catalog.js';
import { OPTIONS, applied, request, stored } from './requests.js';

export const SYNC_FIXTURE = 'test/fixtures/requests/sync-minimal.json';
export const FINALIZE_FIXTURE = 'test/fixtures/requests/finalize-minimal.json';

const CREATED = '2026-03-02T09:14:07Z';
const APPLIED = '2026-03-02T09:14:08Z';
export const DELETED = '2026-03-02T10:30:00Z';

/** The CompositeController as Metacontroller passes it (metacontroller/ in this repository). */
const controller = (JSON.parse(readFileSync(repoPath(SYNC_FIXTURE), 'utf8')) as HookRequest).controller;

const managed = (manager: string, time: string, subresource?: string) => ({
  manager,
  operation: 'Update',
  apiVersion: 'kubedirector.hpe.com/v1beta1',
  time,
  fieldsType: 'FieldsV1',
  fieldsV1: {},
  ...(subresource ? { subresource } : {}),
});

function parent(status?: unknown): KubeObject {
  const object = stored(readYaml('clusters/spark.yaml'), status ? { status } : {});
  object.metadata = {
    ...object.metadata,
    creationTimestamp: CREATED,
    resourceVersion: '48211',
    managedFields: [managed('kubectl-client-side-apply', CREATED), ...(status ? [managed('metacontroller', APPLIED, 'status')] : [])],
  } as KubeObject['metadata'];
  return object;
}

/** The app and its setup package, as `kubectl apply -f catalog/spark/` left them. */
const sparkApp = () =>
  catalogObjects('spark').map((object, i) => ({
    ...object,
    metadata: { ...object.metadata, uid: `2b7e41d0-2222-4000-8000-00000000000${i}`, creationTimestamp: '2026-03-02T09:10:00Z' },
  }));

/** The first sync: no children yet. */
export function readmeSyncRequest(): HookRequest {
  return { ...request({ parent: parent(), apps: sparkApp() }), controller };
}

/** Deletion of the same cluster, its children and status as the first sync made them. */
export function readmeFinalizeRequest(): HookRequest {
  const first = sync(readmeSyncRequest(), OPTIONS);
  const children = first.children.map((child) => {
    const object = applied(child);
    object.metadata = { ...object.metadata, creationTimestamp: APPLIED };
    return object;
  });
  const deleting = parent(first.status);
  deleting.metadata = {
    ...deleting.metadata,
    deletionTimestamp: DELETED,
    finalizers: ['metacontroller.io/compositecontroller-kubedirectorclusters'],
  };
  return { ...request({ parent: deleting, apps: sparkApp(), children, finalizing: true }), controller };
}

export const asFixture = (value: HookRequest) => `${JSON.stringify(value, null, 2)}\n`;

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  const sync = asFixture(readmeSyncRequest());
  writeFileSync(repoPath(SYNC_FIXTURE), sync);
  writeFileSync(repoPath(FINALIZE_FIXTURE), asFixture(readmeFinalizeRequest()));
}
