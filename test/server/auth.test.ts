// Callers of the hooks authenticate as Metacontroller can: a bearer token or basic credentials in
// the Authorization header, and a client certificate over mutual TLS. Probes and metrics stay open.
import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../../src/server/app.js';
import { configFromEnv } from '../../src/server/config.js';
import { hookMetrics } from '../../src/server/metrics.js';
import { buildMetricsServer } from '../../src/server/metrics-server.js';
import { repoPath } from '../support/fixtures.js';
import { makeCerts } from './certs.js';

const body = readFileSync(repoPath('test/fixtures/requests/sync-minimal.json'), 'utf8');
const json = { 'content-type': 'application/json' };
const TOKEN = 'tok-3f9a1c7e5b2d4f60a8e1c9b7d3f5a2e4';

/** A directory of secret files, as a mounted Secret; removed when the test ends. */
function secrets(t: Test, files: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'kd-auth-'));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return Object.fromEntries(
    Object.entries(files).map(([name, content]) => {
      writeFileSync(join(dir, name), content);
      return [name, join(dir, name)];
    }),
  );
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

t.test('bearer token', async (t) => {
  // A trailing newline, as `openssl rand -hex 32 > file` leaves: trimmed, as Metacontroller trims.
  const files = secrets(t, { token: `${TOKEN}\n` });
  const app = buildServer({ logLevel: 'silent', auth: { tokenFile: files.token } });
  t.teardown(() => app.close());
  const sync = (headers: Record<string, string> = {}, url = '/sync') =>
    app.inject({ method: 'POST', url, headers: { ...json, ...headers }, payload: body });

  const none = await sync();
  t.equal(none.statusCode, 401, 'no Authorization header: 401');
  t.same(none.json(), { error: 'Unauthorized', message: 'no bearer token: send Authorization: Bearer <token>' });
  t.equal(none.headers['www-authenticate'], 'Bearer realm="kubedirector-hooks"');
  t.equal((await sync({ authorization: 'Bearer wrong' })).statusCode, 401, 'a wrong token: 401');
  t.equal((await sync({ authorization: `Bearer ${TOKEN}x` })).statusCode, 401, 'a longer token: 401');
  t.equal((await sync({ authorization: `Bearer ${TOKEN.slice(0, -1)}` })).statusCode, 401, 'a prefix of the token: 401');
  t.equal((await sync({ authorization: `Token ${TOKEN}` })).statusCode, 401, 'another scheme: 401');
  t.equal((await sync({ authorization: basic('x', TOKEN) })).statusCode, 401, 'basic credentials: 401');
  t.equal((await sync({}, '/sync?debug=1')).statusCode, 401, 'a query string does not bypass the check');
  t.equal((await sync({}, '/no-such-hook')).statusCode, 401, 'unknown paths need credentials too');

  const good = await sync({ authorization: `Bearer ${TOKEN}` });
  t.equal(good.statusCode, 200, 'the right token: 200');
  t.ok(good.json().status, 'and the hook answers');
  t.equal((await sync({ authorization: `bearer ${TOKEN}` })).statusCode, 200, 'the scheme is case-insensitive');
  for (const hook of ['/customize', '/finalize']) {
    t.equal((await sync({}, hook)).statusCode, 401, `${hook} without a token`);
  }

  for (const url of ['/healthz', '/readyz', '/metrics']) {
    t.equal((await app.inject({ url })).statusCode, 200, `GET ${url} needs no credentials (kubelet, scraper)`);
  }
  t.equal((await app.inject({ method: 'POST', url: '/healthz' })).statusCode, 401, 'only GET is public');
});

t.test('a rotated token is accepted without a restart, the old one no longer', async (t) => {
  const files = secrets(t, { token: TOKEN, next: 'tok-rotated-0b1c2d3e4f' });
  const app = buildServer({ logLevel: 'silent', auth: { tokenFile: files.token } });
  t.teardown(() => app.close());
  const sync = (token: string) =>
    app.inject({ method: 'POST', url: '/sync', headers: { ...json, authorization: `Bearer ${token}` }, payload: body });
  t.equal((await sync(TOKEN)).statusCode, 200);
  // The kubelet swaps a Secret's files atomically, as a rename does.
  renameSync(files.next!, files.token!);
  t.equal((await sync('tok-rotated-0b1c2d3e4f')).statusCode, 200, 'the new token');
  t.equal((await sync(TOKEN)).statusCode, 401, 'the old token');
  rmSync(files.token!);
  t.equal((await sync('tok-rotated-0b1c2d3e4f')).statusCode, 200, 'a file missing mid-swap keeps the last token');
});

t.test('basic credentials', async (t) => {
  const files = secrets(t, { username: 'metacontroller\n', password: 'pa:ss word\n' });
  const app = buildServer({ logLevel: 'silent', auth: { usernameFile: files.username, passwordFile: files.password } });
  t.teardown(() => app.close());
  const sync = (authorization?: string) =>
    app.inject({ method: 'POST', url: '/sync', headers: { ...json, ...(authorization ? { authorization } : {}) }, payload: body });
  const none = await sync();
  t.equal(none.statusCode, 401);
  t.equal(none.headers['www-authenticate'], 'Basic realm="kubedirector-hooks"');
  t.equal((await sync(basic('metacontroller', 'wrong'))).statusCode, 401, 'wrong password');
  t.equal((await sync(basic('someone', 'pa:ss word'))).statusCode, 401, 'wrong user');
  t.equal((await sync('Basic bm9jb2xvbg==')).statusCode, 401, 'not user:password');
  t.equal((await sync(`Bearer ${TOKEN}`)).statusCode, 401, 'a bearer token');
  t.equal((await sync(basic('metacontroller', 'pa:ss word'))).statusCode, 200, 'the right pair (a colon in the password is fine)');
});

t.test('secrets never reach the log', async (t) => {
  const files = secrets(t, { token: TOKEN });
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = buildServer({ logLevel: 'trace', logStream, auth: { tokenFile: files.token } });
  t.teardown(() => app.close());
  for (const authorization of [`Bearer ${TOKEN}`, 'Bearer not-the-token-9d8c7b']) {
    await app.inject({ method: 'POST', url: '/sync', headers: { ...json, authorization }, payload: body });
  }
  const log = lines.join('');
  t.match(log, /"statusCode":401.*"reason":"wrong bearer token".*"msg":"hook call rejected"/, 'the rejection is logged with its reason');
  t.notMatch(log, TOKEN, 'not the token');
  t.notMatch(log, 'not-the-token-9d8c7b', 'not what the caller sent');
});

t.test('configuration mistakes stop the server at start', async (t) => {
  const files = secrets(t, { token: TOKEN, empty: ' \n', user: 'u', password: 'p' });
  t.throws(() => buildServer({ logLevel: 'silent', auth: { tokenFile: files.empty } }), /is empty/);
  t.throws(
    () => buildServer({ logLevel: 'silent', auth: { tokenFile: files.token, usernameFile: files.user, passwordFile: files.password } }),
    /exclude each other/,
  );
  t.throws(() => buildServer({ logLevel: 'silent', auth: { usernameFile: files.user } }), /go together/);
  t.throws(
    () => configFromEnv({ AUTH_TOKEN_FILE: '/nonexistent/token' }),
    /AUTH_TOKEN_FILE names \/nonexistent\/token, which does not exist/,
  );
  t.throws(() => configFromEnv({ TLS_CERT_FILE: files.token }), /TLS_CERT_FILE and TLS_KEY_FILE go together/);
  t.throws(() => configFromEnv({ TLS_CLIENT_CA_FILE: files.token }), /client certificates need HTTPS/);
  t.throws(() => configFromEnv({ METRICS_PORT: '8080' }), /METRICS_PORT must differ from PORT/);
  t.same(
    configFromEnv({
      AUTH_TOKEN_FILE: files.token,
      METRICS_PORT: '9090',
      TLS_CERT_FILE: files.user,
      TLS_KEY_FILE: files.password,
      TLS_CLIENT_CA_FILE: files.token,
    }),
    {
      ...configFromEnv({}),
      metricsPort: 9090,
      auth: { tokenFile: files.token, clientCertificates: true },
      tls: { certFile: files.user, keyFile: files.password, clientCaFile: files.token },
    },
  );
});

t.test('with METRICS_PORT, /metrics leaves the hook port for a port of its own', async (t) => {
  const files = secrets(t, { token: TOKEN });
  const metrics = hookMetrics();
  let closing = false;
  const hooks = buildServer({ logLevel: 'silent', metrics, metricsPort: 9090, auth: { tokenFile: files.token } });
  const ops = buildMetricsServer({ metrics, logLevel: 'silent', hooksReady: () => !closing });
  t.teardown(() => Promise.all([hooks.close(), ops.close()]));

  t.equal((await hooks.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 404, 'not on the hook port');
  t.equal((await hooks.inject({ url: '/healthz' })).statusCode, 200, 'the hook port keeps its probes');
  await hooks.inject({ method: 'POST', url: '/sync', headers: { ...json, authorization: `Bearer ${TOKEN}` }, payload: body });
  const scraped = await ops.inject({ url: '/metrics' });
  t.equal(scraped.statusCode, 200, 'the metrics port needs no credentials');
  t.match(scraped.body, /kubedirector_hook_requests_total\{hook="sync",outcome="success"\} 1/, 'and counts the hook port calls');
  t.equal((await ops.inject({ url: '/healthz' })).statusCode, 200);
  t.equal((await ops.inject({ url: '/readyz' })).statusCode, 200);
  closing = true;
  t.equal((await ops.inject({ url: '/readyz' })).statusCode, 503, 'unready once the hooks shut down');
  t.equal((await ops.inject({ method: 'POST', url: '/sync', headers: json, payload: body })).statusCode, 404, 'no hooks there');
});

/** One HTTPS request with Node's client: the status, or the error that ended the connection. */
function call(
  port: number,
  path: string,
  options: { ca: Buffer; cert?: Buffer; key?: Buffer; authorization?: string },
): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...json, ...(options.authorization ? { authorization: options.authorization } : {}) };
    const request = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: path.startsWith('/sync') ? 'POST' : 'GET',
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        headers,
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode, body: text });
        });
      },
    );
    request.on('error', (error) => {
      resolve({ error: error.message });
    });
    request.end(path.startsWith('/sync') ? body : undefined);
  });
}

t.test('mutual TLS on a real HTTPS listener', async (t) => {
  const certs = makeCerts();
  t.teardown(certs.cleanup);
  const ca = certs.read(certs.caCert);
  const client = { cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey) };
  const stranger = { cert: certs.read(certs.strangerCert), key: certs.read(certs.strangerKey) };
  const app = buildServer({
    logLevel: 'silent',
    tls: { certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFile: certs.caCert },
    auth: { clientCertificates: true },
  });
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;

  const none = await call(port, '/sync', { ca });
  t.equal(none.status, 401, 'no client certificate: 401');
  t.match(none.body, /no valid client certificate \(none presented\)/);
  const foreign = await call(port, '/sync', { ca, ...stranger });
  t.equal(foreign.status, 401, 'a certificate from another CA: 401');
  t.match(foreign.body, /no valid client certificate/);
  const good = await call(port, '/sync', { ca, ...client });
  t.equal(good.status, 200, 'a certificate the client CA signed: 200');
  t.ok(JSON.parse(good.body!).status);
  t.equal((await call(port, '/healthz', { ca })).status, 200, 'probes need no certificate (the kubelet sends none)');
  const plain = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.status,
    () => 'refused',
  );
  t.not(plain, 200, 'plain HTTP is not served');
});

t.test('TLS with a bearer token, and both together with a client certificate', async (t) => {
  const certs = makeCerts();
  t.teardown(certs.cleanup);
  const files = secrets(t, { token: TOKEN });
  const ca = certs.read(certs.caCert);
  const client = { cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey) };
  const app = buildServer({
    logLevel: 'silent',
    tls: { certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFile: certs.caCert },
    auth: { clientCertificates: true, tokenFile: files.token },
  });
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  t.equal((await call(port, '/sync', { ca, ...client })).status, 401, 'a certificate without the token: 401');
  t.equal((await call(port, '/sync', { ca, authorization: `Bearer ${TOKEN}` })).status, 401, 'the token without a certificate: 401');
  t.equal((await call(port, '/sync', { ca, ...client, authorization: `Bearer ${TOKEN}` })).status, 200, 'both: 200');
});
