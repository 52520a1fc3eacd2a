// The packer's archives: what tar lists and extracts, byte for byte the same from the same files.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tarGzip, type TarFile } from '../../src/catalog/tar.js';

const files: TarFile[] = [
  { path: 'appconfig/startscript', content: Buffer.from('#!/bin/sh\necho hello\n'), executable: true },
  { path: 'appconfig/templates/site.xml', content: Buffer.from('<configuration/>\n'), executable: false },
  { path: 'appconfig/empty', content: Buffer.alloc(0), executable: false },
  { path: 'appconfig/big', content: Buffer.alloc(1500, 'x'), executable: false },
];

t.test('GNU tar extracts every file with its content and mode, owned by whoever extracts it', async (t) => {
  const dir = t.testdir();
  writeFileSync(join(dir, 'p.tgz'), tarGzip(files));
  execFileSync('tar', ['xzf', 'p.tgz'], { cwd: dir });
  for (const file of files) {
    t.same(readFileSync(join(dir, file.path)), file.content, `${file.path}: content`);
    t.equal(statSync(join(dir, file.path)).mode & 0o777, file.executable ? 0o755 : 0o644, `${file.path}: mode`);
  }
  const listing = execFileSync('tar', ['tvzf', 'p.tgz'], { cwd: dir, encoding: 'utf8' }).trim().split('\n');
  t.same(
    listing.map((line) => line.split(/\s+/).at(-1)),
    ['appconfig/', 'appconfig/big', 'appconfig/empty', 'appconfig/startscript', 'appconfig/templates/', 'appconfig/templates/site.xml'],
    'sorted, directories before what they hold',
  );
  t.ok(
    listing.every((line) => line.includes('0/0') && line.includes('2020-01-01')),
    'root-owned numerically, dated 2020-01-01',
  );
});

t.test('the same files give the same bytes, whatever their order; a change gives others', async (t) => {
  const packed = tarGzip(files);
  t.same(tarGzip([...files].reverse()), packed);
  t.notSame(tarGzip([{ ...files[0]!, executable: false }, ...files.slice(1)]), packed, 'the mode counts');
  t.notSame(tarGzip([{ ...files[0]!, content: Buffer.from('#!/bin/sh\n') }, ...files.slice(1)]), packed, 'the content counts');
});

t.test('a path too long for ustar is refused, not cut', async (t) => {
  t.throws(() => tarGzip([{ path: `appconfig/${'x'.repeat(100)}`, content: Buffer.alloc(0), executable: false }]), /longer than 100 bytes/);
});
