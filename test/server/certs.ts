// Throw-away X.509 material for the TLS tests, made by the openssl command line: a CA, a server
// certificate for localhost signed by it, a client certificate it signed and one another CA signed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Signed by another CA: presents a certificate the server must not accept. */
  strangerCert: string;
  strangerKey: string;
  read: (path: string) => Buffer;
  cleanup: () => void;
}

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'kd-certs-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  // A new P-256 key for the subject `name`, unencrypted, in `<name>.key`.
  const newKey = (name: string) => [
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
  ];
  const ca = (name: string) => openssl('req', '-x509', ...newKey(name), '-days', '2', '-out', `${name}.crt`);
  const leaf = (name: string, issuer: string, extensions: string) => {
    openssl('req', ...newKey(name), '-out', `${name}.csr`);
    writeFileSync(path(`${name}.ext`), extensions);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.crt`,
      '-CAkey',
      `${issuer}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    );
  };
  ca('ca');
  ca('other-ca');
  leaf('server', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'ca', 'extendedKeyUsage=clientAuth\n');
  leaf('stranger', 'other-ca', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: path('ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    strangerCert: path('stranger.crt'),
    strangerKey: path('stranger.key'),
    read: (file) => readFileSync(file),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
