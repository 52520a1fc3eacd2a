// Downloads: file injections and http:// setup packages, from a local HTTP server.
import t from 'tap';
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Guest, buildPackage, failureReport, have, member, pathWithout, type GuestOptions, type Injection } from '../support/guest.js';

const MEMBERS = [member('demo-controller-0', 'controller', 1), member('demo-worker-0', 'worker', 2)];
const fetchers = ['curl', 'wget'].filter(have);

function workerGuest(root: string, options: Partial<GuestOptions> = {}) {
  mkdirSync(root, { recursive: true });
  const guest = new Guest(root, { pod: 'demo-worker-0', role: 'worker', ...options });
  guest.writeSecrets({ controller: {}, worker: {} });
  return guest;
}

/** Serves `files` on 127.0.0.1; anything else is a 404. */
async function serve(files: Record<string, Buffer | string>): Promise<{ server: Server; base: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = files[req.url ?? ''];
    if (body === undefined) {
      res.writeHead(404).end('not here\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

t.test('without curl or wget, file injections fail clearly', async (t) => {
  const dir = t.testdir();
  const guest = workerGuest(join(dir, 'root'), { env: { PATH: pathWithout(dir, ['curl', 'wget']) } });
  guest.publish({ generation: 1, members: MEMBERS, injections: { worker: [{ url: 'http://127.0.0.1:9/app.conf', destDir: '/srv' }] } });
  await guest.step(1);
  t.equal(guest.termination(), failureReport('file injection needs curl or wget, and neither is installed', '', ''));
  t.equal(await guest.alive(), false);
});

t.test('downloads', { skip: fetchers.length === 0 ? 'neither curl nor wget is installed: downloads are not tested' : false }, async (t) => {
  const root = t.testdir();
  const packageBytes = buildPackage(root);
  const { server, base, hits } = await serve({
    '/files/app.conf': 'key=value\n',
    '/files/tool.sh': '#!/bin/sh\necho tool\n',
    '/packages/app.tgz': packageBytes,
  });
  t.teardown(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );
  const asRoot = process.getuid?.() === 0;

  const injections = (): Injection[] => [
    { url: `${base}/files/app.conf`, destDir: '/srv/conf', mode: '640', ...(asRoot ? { owner: '0', group: '0' } : {}) },
    { url: `${base}/files/tool.sh`, destDir: '/usr/local/bin', mode: '755' },
  ];

  for (const fetcher of fetchers) {
    t.test(`file injections and an http:// package with ${fetcher}`, async (t) => {
      const dir = join(root, fetcher);
      const others = fetchers.filter((f) => f !== fetcher);
      const guest = workerGuest(join(dir, 'root'), {
        packageUrl: `${base}/packages/app.tgz`,
        env: others.length > 0 ? { PATH: pathWithout(dir, others) } : {},
      });
      guest.publish({ generation: 1, members: MEMBERS, injections: { worker: injections() } });
      await guest.step();
      t.equal(guest.read('/srv/conf/app.conf'), 'key=value\n');
      t.equal(guest.mode('/srv/conf/app.conf'), 0o640);
      t.equal(guest.mode('/usr/local/bin/tool.sh'), 0o755);
      t.same(guest.calls(), ['1|--configure'], 'the downloaded package configured the member');
      t.equal(guest.state('configured'), '1');
      t.ok(hits.includes('/packages/app.tgz'));
    });
  }

  t.test('a failed download is a failed setup', async (t) => {
    const guest = workerGuest(join(root, 'missing'));
    guest.publish({
      generation: 1,
      members: MEMBERS,
      injections: { worker: [{ url: `${base}/files/absent.conf`, destDir: '/srv/conf' }] },
    });
    await guest.step(1);
    t.match(
      guest.termination(),
      new RegExp(`^kubedirector: configure failed: file injection of ${base}/files/absent.conf into /srv/conf failed\n`),
    );
    t.equal(guest.state('configured'), undefined);
    t.equal(guest.read('/srv/conf/absent.conf'), undefined, 'no partial file left');
    if (fetchers[0] === 'curl') t.match(guest.termination(), /404/, "curl's error in the stderr tail");

    const badPackage = workerGuest(join(root, 'bad-package'), { packageUrl: `${base}/packages/absent.tgz` });
    badPackage.publish({ generation: 1, members: MEMBERS });
    await badPackage.step(1);
    t.match(
      badPackage.termination(),
      new RegExp(`^kubedirector: configure failed: cannot get setup package ${base}/packages/absent.tgz\n`),
    );
  });
});
