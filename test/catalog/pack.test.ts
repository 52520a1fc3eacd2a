// The catalog's generated files (package ConfigMaps, the kustomization, the chart's copies) are
// what `npm run pack:catalog` makes of catalog/, and what they carry is the package's sources.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { currentCatalog, generatedCatalog, packageURL } from '../../src/catalog/pack.js';
import { repoPath } from '../support/fixtures.js';

const ROOT = fileURLToPath(repoPath('.'));

t.test('the generated catalog files are current (run `npm run pack:catalog`)', async (t) => {
  const expected = generatedCatalog(ROOT);
  const actual = currentCatalog(ROOT);
  t.same([...actual.keys()].sort(), [...expected.keys()].sort(), 'the same files');
  for (const [path, content] of expected) t.equal(actual.get(path), content, `${path} is current`);
});

t.test('every configmap:// package an app names is one the catalog carries', async (t) => {
  const generated = generatedCatalog(ROOT);
  const copies = [...generated].filter(([path]) => path.startsWith('metacontroller/chart/catalog/'));
  t.ok(copies.length > 0, 'the catalog has apps');
  for (const [path, content] of copies) {
    const docs = parseAllDocuments(content).map((d) => d.toJS());
    const app = docs.find((d) => d.kind === 'KubeDirectorApp');
    const urls = [app.spec.defaultConfigPackage?.packageURL, ...app.spec.roles.map((r: any) => r.configPackage?.packageURL)].filter(
      (u: unknown): u is string => typeof u === 'string' && u.startsWith('configmap://'),
    );
    for (const url of urls) t.equal(url, packageURL(app.metadata.name), `${path}: ${url} is the package packed beside it`);
    if (urls.length > 0)
      t.ok(
        docs.some((d) => d.kind === 'ConfigMap'),
        `${path}: carries its package`,
      );
  }
});

t.test('a package carries its sources under appconfig/, executables kept executable', async (t) => {
  const root = t.testdir({
    catalog: {
      demo: {
        'app.yaml': 'apiVersion: kubedirector.hpe.com/v1beta1\nkind: KubeDirectorApp\nmetadata:\n  name: demo-app\nspec: {}\n',
        package: { startscript: '#!/bin/sh\nexit 0\n', templates: { 'conf.tmpl': 'a=@A@\n' } },
      },
      plain: { 'app.yaml': 'apiVersion: kubedirector.hpe.com/v1beta1\nkind: KubeDirectorApp\nmetadata:\n  name: plain\nspec: {}\n' },
      'notes.md': 'not an app\n',
    },
  });
  chmodSync(join(root, 'catalog/demo/package/startscript'), 0o755);
  const files = generatedCatalog(root);
  t.same([...files.keys()].sort(), [
    'catalog/demo/package.yaml',
    'catalog/kustomization.yaml',
    'metacontroller/chart/catalog/demo.yaml',
    'metacontroller/chart/catalog/plain.yaml',
  ]);
  const configMap = parse(files.get('catalog/demo/package.yaml')!);
  t.match(configMap, {
    kind: 'ConfigMap',
    metadata: { name: 'demo-app-setup', labels: { 'kubedirector.hpe.com/setup-package-for': 'demo-app' } },
  });
  const out = join(root, 'out');
  mkdirSync(out);
  writeFileSync(join(out, 'p.tgz'), Buffer.from(configMap.binaryData['appconfig.tgz'], 'base64'));
  execFileSync('tar', ['xzf', 'p.tgz'], { cwd: out });
  t.equal(readFileSync(join(out, 'appconfig/templates/conf.tmpl'), 'utf8'), 'a=@A@\n');
  t.equal(execFileSync('sh', ['-c', 'ls -l appconfig/startscript | cut -c1-10'], { cwd: out, encoding: 'utf8' }).trim(), '-rwxr-xr-x');
  t.match(parse(files.get('catalog/kustomization.yaml')!), {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: 'kubedirector',
    labels: [{ pairs: { 'app.kubernetes.io/component': 'catalog' } }],
    resources: ['demo/app.yaml', 'demo/package.yaml', 'plain/app.yaml'],
  });
  t.same(
    parseAllDocuments(files.get('metacontroller/chart/catalog/demo.yaml')!).map((d) => d.toJS().kind),
    ['KubeDirectorApp', 'ConfigMap'],
  );
  t.same(generatedCatalog(root), files, 'packing again gives the same bytes');
});
