// The member sidecar: the only part of a member pod that talks to the Kubernetes API. It mirrors
// the cluster's ConfigMap and Secret into the channel directory the agent reads, and publishes
// the agent's progress file as an annotation on the member's Lease. See "The member channel" in
// src/guest/PROTOCOL.md. It never exits on its own: every API or file error is retried.
import { pino } from 'pino';
import { Api } from './api.js';
import { configMapFiles, secretFiles } from './files.js';
import { LeasePublisher, ProgressFile, followProgress } from './lease.js';
import { Mirror } from './mirror.js';
import { settingsFromEnv, type Settings } from './settings.js';

let settings: Settings;
try {
  settings = settingsFromEnv();
} catch (error) {
  console.error(`invalid configuration: ${(error as Error).message}`);
  process.exit(2);
}

const log = pino({ name: 'kubedirector-member', level: settings.logLevel });

// Nothing needs finishing: every write is a rename, and a half-written staging directory is
// removed by the next start.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'exiting');
    process.exit(0);
  });
}

const { namespace: ns, channelDir } = settings;
const api = new Api(settings);
// A random 5–10 minutes per watch unless set: the members' watches do not all end together.
const watchTimeout = () => settings.watchTimeout ?? Math.round(300 + Math.random() * 300);

log.info(
  { namespace: ns, pod: settings.podName, configMap: settings.configMap, secret: settings.secret, lease: settings.lease, channelDir },
  'member sidecar starting',
);

const configMap = new Mirror(
  api,
  log,
  channelDir,
  {
    kind: 'ConfigMap',
    collection: `/api/v1/namespaces/${ns}/configmaps`,
    name: settings.configMap,
    link: 'config',
    files: configMapFiles,
  },
  watchTimeout,
);
const secret = new Mirror(
  api,
  log,
  channelDir,
  {
    kind: 'Secret',
    collection: `/api/v1/namespaces/${ns}/secrets`,
    name: settings.secret,
    link: 'secrets',
    files: secretFiles,
  },
  watchTimeout,
);
const publisher = new LeasePublisher(
  api,
  log,
  `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${encodeURIComponent(settings.lease)}`,
);

await Promise.all([
  configMap.run(),
  secret.run(),
  publisher.run(),
  followProgress(new ProgressFile(channelDir), publisher, settings.podUid, log),
]);
