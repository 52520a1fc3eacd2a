// The channel directory's views: a versioned directory of read-only files behind a symlink that
// is swapped in one rename, the previous version kept, older ones deleted, and no write at all
// when the content is unchanged.
import t from 'tap';
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { configMapFiles, publish, readTail, secretFiles, validKey, type Files } from '../../src/member/files.js';

const files = (entries: Record<string, string>): Files => new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.from(v)]));
const view = (dir: string, name: string) =>
  Object.fromEntries(readdirSync(join(dir, name)).map((f) => [f, readFileSync(join(dir, name, f), 'utf8')]));
const hidden = (dir: string) =>
  readdirSync(dir)
    .filter((e) => e.startsWith('.'))
    .sort();

t.test('ConfigMap and Secret objects become files', async (t) => {
  const cm = configMapFiles({
    data: { generation: '3\n', 'configmeta.json': '{"é":1}' },
    binaryData: { 'package.worker.tgz': Buffer.from([0, 1, 255]).toString('base64') },
  });
  t.same([...cm.keys()], ['generation', 'configmeta.json', 'package.worker.tgz']);
  t.equal(cm.get('configmeta.json')!.toString('utf8'), '{"é":1}', 'data is UTF-8');
  t.same([...cm.get('package.worker.tgz')!], [0, 1, 255], 'binaryData is decoded');
  const secret = secretFiles({ data: { 'secret-keys.worker.json': Buffer.from('{"k":"v"}').toString('base64') } });
  t.equal(secret.get('secret-keys.worker.json')!.toString(), '{"k":"v"}', 'Secret data is decoded');
  t.same([...configMapFiles({}).keys()], [], 'an object without data is an empty view');
  t.ok(validKey('fqdns.worker') && validKey('a_b-c.d'));
  t.notOk(validKey('..data') || validKey('.') || validKey('..') || validKey('a/b') || validKey(''), 'no hidden or path names');
});

t.test('the first view: a symlink to a version directory of 0444 files', async (t) => {
  const dir = t.testdir();
  const result = await publish(dir, 'config', '41', files({ generation: '1\n', members: 'a\n' }));
  t.same(result, { written: true, target: '.config-41' });
  t.ok(lstatSync(join(dir, 'config')).isSymbolicLink());
  t.equal(readlinkSync(join(dir, 'config')), '.config-41', 'relative, so it resolves in every container');
  t.same(view(dir, 'config'), { generation: '1\n', members: 'a\n' });
  for (const f of ['generation', 'members']) t.equal(statSync(join(dir, 'config', f)).mode & 0o777, 0o444, `${f} is 0444`);
  t.same(hidden(dir), ['.config-41'], 'no staging leftovers');
});

t.test('updates swap the link, keep the previous version and delete older ones', async (t) => {
  const dir = t.testdir();
  await publish(dir, 'config', '1', files({ generation: '1\n' }));
  await publish(dir, 'config', '2', files({ generation: '2\n' }));
  t.same(hidden(dir), ['.config-1', '.config-2'], 'the previous version stays for a reader mid-copy');
  t.same(view(dir, '.config-1'), { generation: '1\n' }, 'and is intact');
  await publish(dir, 'config', '3', files({ generation: '3\n', extra: 'x' }));
  t.same(hidden(dir), ['.config-2', '.config-3'], 'older versions are deleted');
  t.same(view(dir, 'config'), { generation: '3\n', extra: 'x' });
  await publish(dir, 'config', '4', files({ generation: '4\n' }));
  t.same(view(dir, 'config'), { generation: '4\n' }, 'a removed key disappears');
});

t.test('unchanged content writes nothing, whatever the version', async (t) => {
  const dir = t.testdir();
  await publish(dir, 'config', '7', files({ a: '1' }));
  const before = statSync(join(dir, '.config-7')).mtimeMs;
  t.same(await publish(dir, 'config', '9', files({ a: '1' })), { written: false, target: '.config-7' }, 'a metadata-only change');
  t.same(await publish(dir, 'config', '7', files({ a: '1' })), { written: false, target: '.config-7' }, 'a restart');
  t.equal(statSync(join(dir, '.config-7')).mtimeMs, before);
  t.same(hidden(dir), ['.config-7']);
  t.same((await publish(dir, 'config', '7', files({ a: '2' }))).written, true, 'the same version with other content is written');
  t.same(view(dir, 'config'), { a: '2' });
  t.same(view(dir, '.config-7'), { a: '1' }, 'beside the one readers may still hold');
});

t.test('views of different names do not touch each other', async (t) => {
  const dir = t.testdir();
  await publish(dir, 'config', '1', files({ a: 'c1' }));
  await publish(dir, 'secrets', '1', files({ a: 's1' }));
  await publish(dir, 'config', '2', files({ a: 'c2' }));
  await publish(dir, 'config', '3', files({ a: 'c3' }));
  t.same(view(dir, 'secrets'), { a: 's1' });
  t.same(hidden(dir), ['.config-2', '.config-3', '.secrets-1']);
});

t.test('leftovers of an interrupted write, and a stray non-link, are replaced', async (t) => {
  const dir = t.testdir({ '.config.tmp-1': { half: 'x' }, '.config.link-tmp': 'junk', config: { old: 'plain directory' } });
  await publish(dir, 'config', '5', files({ a: '1' }));
  t.equal(readlinkSync(join(dir, 'config')), '.config-5');
  t.same(hidden(dir), ['.config-5']);
});

t.test('a bad key name is refused before anything is written', async (t) => {
  const dir = t.testdir();
  await publish(dir, 'config', '1', files({ a: '1' }));
  await t.rejects(publish(dir, 'config', '2', files({ '../escape': 'x' })), /refusing to write a file named/);
  t.same(view(dir, 'config'), { a: '1' }, 'the last good view stays');
});

t.test('readTail: the end of a file, or undefined without one', async (t) => {
  const dir = t.testdir({ short: 'hello', empty: '' });
  writeFileSync(join(dir, 'big'), 'x'.repeat(10_000) + '€tail');
  t.equal(await readTail(join(dir, 'short'), 4096), 'hello');
  t.equal(await readTail(join(dir, 'empty'), 4096), '');
  t.equal(await readTail(join(dir, 'missing'), 4096), undefined);
  t.equal(await readTail(join(dir, 'big'), 6), 'tail', 'a cut character is dropped');
  t.equal(await readTail(join(dir, 'big'), 7), '€tail');
  symlinkSync('short', join(dir, 'link'));
  t.equal(await readTail(join(dir, 'link'), 4096), 'hello');
});
