import t from 'tap';
// The init container's seed script, run by a real sh against a temporary root.
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
