// The sidecar's environment, and its retry timing.
import t from 'tap';
import { settingsFromEnv } from '../../src/member/settings.js';
import { Backoff, Wake } from '../../src/member/retry.js';

const UID = '5f0c-uid';

t.test('settings: the pod environment, in-cluster defaults, and overrides', async (t) => {
  const pod = {
    KD_NAMESPACE: 'ns',
    KD_POD_NAME: 'c-worker-0',
    KD_POD_UID: UID,
    KD_CONFIGMAP: 'c',
    KD_SECRET: 'c',
    KD_LEASE: 'c-worker-0',
    KD_CHANNEL_DIR: '/etc/kubedirector-channel',
  };
  t.match(settingsFromEnv({ ...pod, KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }), {
    apiUrl: 'https://10.0.0.1:443',
    tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
    caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    watchTimeout: undefined,
    lease: 'c-worker-0',
  });
  t.equal(settingsFromEnv({ ...pod, KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }).apiUrl, 'https://[fd00::1]:443');
  t.match(settingsFromEnv({ ...pod, KD_API_URL: 'https://127.0.0.1:6443', KD_TOKEN_FILE: '/t', KD_CA_FILE: '/c', KD_WATCH_TIMEOUT: '5' }), {
    apiUrl: 'https://127.0.0.1:6443',
    tokenFile: '/t',
    caFile: '/c',
    watchTimeout: 5,
  });
  t.throws(() => settingsFromEnv({ ...pod, KD_LEASE: '' }), /KD_LEASE must be set/);
  t.throws(() => settingsFromEnv(pod), /KUBERNETES_SERVICE_HOST/);
  t.throws(() => settingsFromEnv({ ...pod, KD_API_URL: 'x', KD_WATCH_TIMEOUT: '0' }), /KD_API_URL must be a URL/);
  t.throws(() => settingsFromEnv({ ...pod, KD_API_URL: 'https://h', KD_WATCH_TIMEOUT: '0' }), /KD_WATCH_TIMEOUT must be an integer/);
});

t.test('back-off: 0.5 s doubling to 30 s, jittered within the upper half, and reset', async (t) => {
  const high = new Backoff(500, 30_000, () => 1);
  t.same(
    Array.from({ length: 9 }, () => high.next()),
    [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
  );
  high.reset();
  t.equal(high.next(), 500);
  const low = new Backoff(500, 30_000, () => 0);
  t.same([low.next(), low.next()], [250, 500]);
});

t.test('wake: a notification ends the current wait, or the next one', async (t) => {
  const wake = new Wake();
  wake.notify();
  t.equal(await wake.wait(10_000), true, 'a notification before the wait is not lost');
  t.equal(await wake.wait(10), false, 'and counts once');
  const waiting = wake.wait(10_000);
  wake.notify();
  t.equal(await waiting, true);
});
