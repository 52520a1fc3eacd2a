// Fields a KubeDirectorApp's schema does not know, with the known name nearest to each.
import t from 'tap';
import { KubeDirectorAppSpec } from '../../src/api/app.js';
import { describeUnknown, nearestName, unknownFields } from '../../src/api/unknown-fields.js';
import { catalogEntries } from '../support/catalog.js';
import { clone, readYaml } from '../support/fixtures.js';

const everyField = readYaml<{ spec: any }>('test/fixtures/api/app-every-field.yaml');
const find = (spec: unknown) => unknownFields(KubeDirectorAppSpec, spec, 'spec');

t.test('an app using every upstream field, and every catalog app, has none', async (t) => {
  t.same(find(everyField.spec), []);
  for (const entry of catalogEntries()) t.same(find(entry.app.spec), [], entry.files[0]!);
});

t.test('a misspelt field is found where it is, with the name meant', async (t) => {
  const spec = clone(everyField.spec);
  spec.defaultPersistDir = ['/var/lib/cassandra'];
  spec.roles[1].persistDir = ['/data'];
  spec.roles[0].minResources.cpuu = '1';
  spec.config.roleService = [];
  spec.DistroId = 'x';
  spec.somethingElseEntirely = true;
  const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1);
  t.same(
    find(spec).sort(byPath),
    [
      { path: 'spec.defaultPersistDir', nearest: 'defaultPersistDirs' },
      { path: 'spec.DistroId', nearest: 'distroID' },
      { path: 'spec.somethingElseEntirely' },
      { path: 'spec.roles[1].persistDir', nearest: 'persistDirs' },
      { path: 'spec.config.roleService', nearest: 'roleServices' },
    ].sort(byPath),
  );
  t.notOk(
    find(spec).some((f) => f.path.includes('minResources')),
    'resource lists take any resource name',
  );
  t.equal(
    describeUnknown([{ path: 'spec.defaultPersistDir', nearest: 'defaultPersistDirs' }, { path: 'spec.x' }], 'KubeDirectorApp ns/a'),
    'spec.defaultPersistDir is not a field of KubeDirectorApp ns/a (did you mean defaultPersistDirs?); spec.x is not a field of KubeDirectorApp ns/a',
  );
});

t.test('nearest names: close enough or nothing', async (t) => {
  t.equal(nearestName('persistDir', ['persistDirs', 'imageRepoTag']), 'persistDirs');
  t.equal(nearestName('LABEL', ['label', 'labels']), 'label', 'case is a typo too');
  t.equal(nearestName('zzz', ['label', 'services']), undefined);
});
