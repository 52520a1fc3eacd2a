// The image cannot be built here (no Docker engine); its recipe is checked instead.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { repoPath } from '../support/fixtures.js';

const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8');
const stages = dockerfile
  .split(/^FROM /m)
  .slice(1)
  .map((text) => ({
    from: text.split('\n')[0]!,
    lines: text
      .split('\n')
      .slice(1)
      .filter((l) => l.trim() && !l.startsWith('#')),
  }));
const final = stages.at(-1)!;
const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8'));

t.test('the final stage runs as a non-root user with the Node line the project needs', async (t) => {
  t.match(final.from, /^node:24-alpine$/, 'Node 24, the LTS line');
  t.same(
    stages.map((s) => s.from.split(' ')[0]),
    stages.map(() => final.from),
    'the build runs on the Node it ships',
  );
  t.equal(pkg.engines.node, '>=24');
  t.ok(final.lines.includes('USER node'), 'USER node (uid 1000, as the Deployment expects)');
  t.match(readFileSync(repoPath('metacontroller/hooks-deployment.yaml'), 'utf8'), /runAsUser: 1000/);
});

t.test('only production dependencies and the compiled JavaScript reach the image', async (t) => {
  const copies = final.lines.filter((l) => l.startsWith('COPY'));
  t.same(copies, [
    'COPY --from=production-deps /app/node_modules ./node_modules',
    'COPY --from=build /app/dist ./dist',
    'COPY package.json ./',
  ]);
  const deps = stages.find((s) => s.from.endsWith('AS production-deps'))!;
  t.ok(
    deps.lines.some((l) => /npm ci --omit=dev/.test(l)),
    'dev dependencies are left out',
  );
  t.match(final.lines.join('\n'), /CMD \["dist\/server\/main.js"\]/);
  t.match(pkg.scripts.build, /cp src\/guest\/agent.sh dist\/guest\/agent.sh/, 'the agent script travels with the compiled code');
  const ignored = readFileSync(repoPath('.dockerignore'), 'utf8').split('\n');
  for (const path of ['test', 'bench', 'node_modules', 'dist', '.tools']) t.ok(ignored.includes(path), `${path} is not sent to the build`);
});

t.test('CI tests on the Node major the image runs', async (t) => {
  const ci = readFileSync(repoPath('.ci/run'), 'utf8');
  const pinned = /^NODE_VERSION=(\d+)\.\d+\.\d+$/m.exec(ci)?.[1];
  t.equal(pinned, /^node:(\d+)-/.exec(final.from)?.[1], '.ci/run pins an exact Node of the same major');
  t.match(ci, /export PATH="[^"]*node_modules\/\.bin:\$PATH"/, 'and puts it first on PATH for the suite');
  t.match(pkg.devDependencies['@types/node'], /^\^24\./, 'the code is typed against the same Node');
});
