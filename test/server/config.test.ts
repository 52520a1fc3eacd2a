import t from 'tap';
import { readFileSync } from 'node:fs';
import { DEFAULTS, configFromEnv } from '../../src/server/config.js';

t.test('defaults', async (t) => {
  t.same(configFromEnv({}), DEFAULTS);
  t.ok(DEFAULTS.bodyLimit >= 32 * 1024 * 1024, 'the default body limit is at least 32 MiB');
});

t.test('settings from the environment', async (t) => {
  t.same(
    configFromEnv({
      PORT: '9443',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      BODY_LIMIT_BYTES: '134217728',
      KD_NAMESPACE: 'kd-system',
      KD_MEMBER_IMAGE: 'registry.local/kdhooks@sha256:abc',
    }),
    {
      host: '127.0.0.1',
      port: 9443,
      logLevel: 'debug',
      bodyLimit: 134217728,
      systemNamespace: 'kd-system',
      memberImage: 'registry.local/kdhooks@sha256:abc',
      auth: {},
    },
  );
});

t.test('bad values are refused with the variable named', async (t) => {
  t.throws(() => configFromEnv({ PORT: 'http' }), /PORT must be an integer from 0 to 65535, got "http"/);
  t.throws(() => configFromEnv({ PORT: '70000' }), /PORT must be/);
  t.throws(() => configFromEnv({ BODY_LIMIT_BYTES: '1000' }), /BODY_LIMIT_BYTES must be an integer from 1048576/);
  t.throws(() => configFromEnv({ LOG_LEVEL: 'loud' }), /LOG_LEVEL must be one of fatal, error/);
  t.throws(() => configFromEnv({ KD_NAMESPACE: 'Kube_Director' }), /KD_NAMESPACE must be a namespace name/);
  t.throws(() => configFromEnv({ KD_MEMBER_IMAGE: 'two words' }), /KD_MEMBER_IMAGE must be an image reference/);
});

t.test('the default member image is the one the manifests deploy, at the package version', async (t) => {
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  t.equal(DEFAULTS.memberImage, `ghcr.io/kubedirector-hooks/kubedirector-hooks:${version}`);
  t.match(readFileSync(new URL('../../metacontroller/hooks-deployment.yaml', import.meta.url), 'utf8'), `image: ${DEFAULTS.memberImage}`);
});
