import t from 'tap';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Annotations, Labels, NamespaceName, ObjectName, PathSegmentName, nestsDeeperThan } from '../../src/api/bounds.js';

const accepts = (schema: Parameters<typeof TypeCompiler.Compile>[0]) => {
  const check = TypeCompiler.Compile(schema);
  return (value: unknown) => check.Check(value);
};

t.test('object names are DNS-1123 subdomains of at most 253 characters', async (t) => {
  const name = accepts(ObjectName);
  for (const ok of ['a', 'spark-demo', 'spark-demo.worker-0', '0abc', 'a'.repeat(253), `${'a'.repeat(63)}.${'b'.repeat(63)}`])
    t.ok(name(ok), ok);
  for (const bad of ['', 'A', 'spark_demo', '-a', 'a-', 'a..b', '.a', 'a/b', 'a'.repeat(254), 'x'.repeat(1024 * 1024)])
    t.notOk(name(bad), bad.slice(0, 40));
});

t.test('RBAC names are path segments of at most 253 characters', async (t) => {
  const name = accepts(PathSegmentName);
  for (const ok of ['system:controller:kd', 'Mixed_Case', 'kd-member']) t.ok(name(ok), ok);
  for (const bad of ['', '.', '..', 'a/b', 'a%2f', 'a'.repeat(254)]) t.notOk(name(bad), bad.slice(0, 40));
});

t.test('namespaces are DNS-1123 labels of at most 63 characters', async (t) => {
  const namespace = accepts(NamespaceName);
  for (const ok of ['default', 'kube-system', 'a'.repeat(63)]) t.ok(namespace(ok), ok);
  for (const bad of ['', 'a.b', 'Default', 'a'.repeat(64)]) t.notOk(namespace(bad), bad);
});

t.test('labels follow the API server: qualified-name keys with an optional prefix, short values', async (t) => {
  const labels = accepts(Labels);
  t.ok(labels({}));
  t.ok(labels({ 'kubedirector.hpe.com/kdcluster': 'spark-demo', app: '', MyName: 'my_value', '123-abc': 'A.b-C' }));
  t.ok(labels({ [`${'p'.repeat(253)}/${'n'.repeat(63)}`]: 'v'.repeat(63) }), 'prefix and name at their limits');
  const bad: Record<string, string>[] = [
    { [`${'p'.repeat(254)}/n`]: 'v' },
    { ['n'.repeat(64)]: 'v' },
    { 'a/b/c': 'v' },
    { '/name': 'v' },
    { 'Example.com/name': 'v' },
    { '-name': 'v' },
    { name: 'v'.repeat(64) },
    { name: '-v' },
    { name: 'has space' },
  ];
  for (const value of bad) t.notOk(labels(value), JSON.stringify(value).slice(0, 60));
});

t.test('annotations: keys compared in lower case, 256 KiB in total', async (t) => {
  const annotations = accepts(Annotations);
  t.ok(annotations({ 'Example.COM/Name': 'anything at all: spaces, {json}, ünïcode' }), 'prefixes in any case');
  t.ok(annotations({ big: 'x'.repeat(256 * 1024 - 3) }), 'exactly 256 KiB with the key');
  t.notOk(annotations({ big: 'x'.repeat(256 * 1024 - 2) }), 'one byte over');
  t.notOk(annotations({ a: 'x'.repeat(200 * 1024), b: 'y'.repeat(60 * 1024) }), 'the total counts, not each value');
  t.notOk(annotations({ big: 'é'.repeat(130 * 1024) }), 'UTF-8 bytes count, not characters');
  t.notOk(annotations({ 'a b': 'v' }), 'keys are qualified names');
});

t.test('nesting depth is read from the text, strings skipped', async (t) => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  t.notOk(nestsDeeperThan(nested(10), 10));
  t.ok(nestsDeeperThan(nested(11), 10));
  t.ok(nestsDeeperThan(`{"a":${'{"b":'.repeat(10)}1${'}'.repeat(10)}}`, 10), 'objects count like arrays');
  t.notOk(nestsDeeperThan(JSON.stringify({ a: '[[[[[[[[[[[[' }), 2), 'brackets in strings do not count');
  t.notOk(nestsDeeperThan(JSON.stringify({ a: 'quote \\" then [[[[[[[[[[', b: '\\\\' }), 2), 'escaped quotes and backslashes');
  t.notOk(nestsDeeperThan(JSON.stringify([{ a: [1] }, { b: [2] }, { c: [3] }]), 3), 'siblings do not add up');
  t.notOk(nestsDeeperThan('{"unterminated": "[[[[', 2), 'malformed text is left to the parser');
});
