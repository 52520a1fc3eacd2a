// The README's debugging requests, sent as its curl commands send them, answer as it says.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { buildServer } from '../../src/server/app.js';
import { repoPath } from '../support/fixtures.js';
import {
  DELETED,
  FINALIZE_FIXTURE,
  SYNC_FIXTURE,
  asFixture,
  readmeFinalizeRequest,
  readmeSyncRequest,
} from '../support/readme-requests.js';

const json = { 'content-type': 'application/json' };
const readme = readFileSync(repoPath('README.md'), 'utf8');
const condition = (body: { status: { conditions: { type: string }[] } }, type: string) =>
  body.status.conditions.find((c) => c.type === type) as unknown as { status: string; reason: string; lastTransitionTime?: string };

t.test('the fixtures are what the Spark example makes of them', async (t) => {
  t.equal(readFileSync(repoPath(SYNC_FIXTURE), 'utf8'), asFixture(readmeSyncRequest()), 'npx tsx test/support/readme-requests.ts');
  t.equal(readFileSync(repoPath(FINALIZE_FIXTURE), 'utf8'), asFixture(readmeFinalizeRequest()));
});

t.test('the README sends them to /sync and /finalize', async (t) => {
  t.match(readme, `localhost:8080/sync -H 'Content-Type: application/json' \\\n  --data @${SYNC_FIXTURE}`);
  t.match(readme, `localhost:8080/finalize -H 'Content-Type: application/json' \\\n  --data @${FINALIZE_FIXTURE}`);
});

t.test('/sync answers a valid, creating cluster; /finalize releases the kept PVCs', async (t) => {
  const server = buildServer({ logLevel: 'silent' });
  t.teardown(() => server.close());
  const post = (url: string, file: string) =>
    server.inject({ method: 'POST', url, headers: json, payload: readFileSync(repoPath(file), 'utf8') });

  const synced = await post('/sync', SYNC_FIXTURE);
  t.equal(synced.statusCode, 200);
  const body = synced.json();
  t.match(condition(body, 'Valid'), { status: 'True', reason: 'Valid', lastTransitionTime: '2026-03-02T09:14:07Z' });
  t.match(condition(body, 'Ready'), { status: 'False', reason: 'Creating' });
  t.equal(body.status.state, 'creating');
  t.equal(body.children.filter((c: { kind: string }) => c.kind === 'StatefulSet').length, 3, 'one StatefulSet per role');

  const finalized = await post('/finalize', FINALIZE_FIXTURE);
  t.equal(finalized.statusCode, 200);
  const teardown = finalized.json();
  t.equal(teardown.finalized, false, 'children remain: Metacontroller deletes them and calls again');
  t.same(
    teardown.children.map((c: { kind: string; metadata: { ownerReferences?: unknown[] } }) => [c.kind, c.metadata.ownerReferences]),
    [
      ['PersistentVolumeClaim', []],
      ['PersistentVolumeClaim', []],
    ],
    "only the workers' PVCs stay, released from the cluster",
  );
  t.match(condition(teardown, 'Ready'), { status: 'False', reason: 'Deleting' });
  t.match(condition(teardown, 'RetentionPolicySupported'), { status: 'True', lastTransitionTime: DELETED });
});
