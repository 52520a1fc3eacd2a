import t from 'tap';
import type { AppRole, KubeDirectorAppSpec } from '../../src/api/app.js';
import { persistDirs, setupPackageOf } from '../../src/reconcile/app-queries.js';

const app = (extra: Partial<KubeDirectorAppSpec> = {}) => ({ roles: [], ...extra }) as unknown as KubeDirectorAppSpec;
const role = (extra: Partial<AppRole> = {}) => ({ id: 'r', cardinality: '1', ...extra });
const pkg = { packageURL: 'file:///opt/x.tgz' };

t.test('setup package: the role overrides the app, and null means none', async (t) => {
  t.same(setupPackageOf(app({ defaultConfigPackage: pkg }), role()), pkg);
  t.equal(setupPackageOf(app({ defaultConfigPackage: pkg }), role({ configPackage: null })), undefined);
  t.equal(setupPackageOf(app(), role()), undefined);
});

t.test('persisted directories: defaults by setup layout, app dirs added, covered dirs skipped', async (t) => {
  t.same(persistDirs(app(), role()), ['/etc']);
  t.same(persistDirs(app({ defaultConfigPackage: pkg }), role()), ['/etc', '/opt', '/usr']);
  t.same(persistDirs(app({ defaultConfigPackage: { ...pkg, useNewSetupLayout: true } }), role()), [
    '/etc',
    '/opt/guestconfig',
    '/var/log/guestconfig',
    '/usr/local/bin',
    '/usr/local/lib',
  ]);
  t.same(
    persistDirs(app({ defaultPersistDirs: ['/data', '/etc/app', '/data'] }), role()),
    ['/etc', '/data'],
    'subdirectories and duplicates skipped',
  );
  t.same(
    persistDirs(app({ defaultPersistDirs: ['/data'] }), role({ persistDirs: ['/var/lib/x', '/var'] })),
    ['/etc', '/var'],
    "the role's list replaces the app's",
  );
});
