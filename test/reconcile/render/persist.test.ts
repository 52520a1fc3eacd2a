import t from 'tap';
import type { AppRole, KubeDirectorAppSpec } from '../../../src/api/app.js';
import { persistDirs, setupPackageOf } from '../../../src/reconcile/render/persist.js';

const app = (extra: Partial<KubeDirectorAppSpec> = {}) => ({ roles: [], ...extra }) as unknown as KubeDirectorAppSpec;
const role = (extra: Partial<AppRole> = {}) => ({ id: 'r', cardinality: '1', ...extra }) as AppRole;
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
  t.same(persistDirs(app({ defaultPersistDirs: ['/data', '/etc/app', '/data'] }), role()), ['/etc', '/data'], 'subdirectories and duplicates skipped');
  t.same(persistDirs(app({ defaultPersistDirs: ['/data'] }), role({ persistDirs: ['/var/lib/x', '/var'] })), ['/etc', '/var'], "the role's list replaces the app's");
});

t.test('the init container copies each persisted dir onto the PVC once, and never over data written since', async (t) => {
  const { seedScript } = await import('../../../src/reconcile/render/persist.js');
  const { execFileSync } = await import('node:child_process');
  const { mkdirSync, writeFileSync, readFileSync, existsSync, statSync, chmodSync } = await import('node:fs');
  const root = t.testdir();
  const image = `${root}/image`;
  const pvc = `${root}/pvc`;
  mkdirSync(`${image}/etc/app`, { recursive: true });
  writeFileSync(`${image}/etc/app/app.conf`, 'from the image\n');
  chmodSync(`${image}/etc/app/app.conf`, 0o640);
  mkdirSync(pvc);
  const dirs = [`${image}/etc`, `${image}/var/lib/missing`];
  const seed = () => execFileSync('/bin/sh', ['-c', seedScript(dirs, pvc)]);

  seed();
  const copied = `${pvc}${image}/etc/app/app.conf`;
  t.equal(readFileSync(copied, 'utf8'), 'from the image\n');
  t.equal(statSync(copied).mode & 0o777, 0o640, 'modes are kept');
  t.ok(existsSync(`${pvc}${image}/var/lib/missing`), 'a dir the image lacks is created empty');
  t.ok(existsSync(`${pvc}/etc/kubedirector.init`), 'the marker is on the PVC');

  writeFileSync(copied, 'changed by the member\n');
  writeFileSync(`${image}/etc/app/app.conf`, 'a newer image\n');
  seed();
  t.equal(readFileSync(copied, 'utf8'), 'changed by the member\n', 'a restart copies nothing over');
});
