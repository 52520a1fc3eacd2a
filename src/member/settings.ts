// The member sidecar's settings, read once from the environment the rendered pod sets (see
// "The member channel" in src/guest/PROTOCOL.md). A missing setting is a broken pod spec, so it
// stops the sidecar at start-up; everything later (API, files) is retried instead.

export interface Settings {
  namespace: string;
  podName: string;
  podUid: string;
  configMap: string;
  secret: string;
  lease: string;
  channelDir: string;
  /** Base URL of the API server (may carry a path prefix, e.g. behind a proxy). */
  apiUrl: string;
  /** Read again for every request: projected service account tokens rotate. */
  tokenFile: string;
  caFile: string;
  /** Seconds the API server keeps a watch open; undefined: a random 5–10 minutes per watch, as client-go does. */
  watchTimeout: number | undefined;
  logLevel: string;
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

/** The in-cluster API server, as the kubelet announces it to every container. */
function inClusterUrl(env: NodeJS.ProcessEnv): string {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('KD_API_URL is not set and KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are missing');
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Reads the KD_* variables; throws with a readable message on a missing or bad one. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const pod = {
    namespace: required(env, 'KD_NAMESPACE'),
    podName: required(env, 'KD_POD_NAME'),
    podUid: required(env, 'KD_POD_UID'),
    configMap: required(env, 'KD_CONFIGMAP'),
    secret: required(env, 'KD_SECRET'),
    lease: required(env, 'KD_LEASE'),
    channelDir: required(env, 'KD_CHANNEL_DIR'),
  };
  const apiUrl = env.KD_API_URL || inClusterUrl(env);
  try {
    new URL(apiUrl);
  } catch {
    throw new Error(`KD_API_URL must be a URL, got "${apiUrl}"`);
  }
  let watchTimeout: number | undefined;
  if (env.KD_WATCH_TIMEOUT) {
    watchTimeout = Number(env.KD_WATCH_TIMEOUT);
    if (!Number.isInteger(watchTimeout) || watchTimeout < 1 || watchTimeout > 3600) {
      throw new Error(`KD_WATCH_TIMEOUT must be an integer from 1 to 3600 (seconds), got "${env.KD_WATCH_TIMEOUT}"`);
    }
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  return {
    ...pod,
    apiUrl,
    tokenFile: env.KD_TOKEN_FILE || `${SERVICE_ACCOUNT}/token`,
    caFile: env.KD_CA_FILE || `${SERVICE_ACCOUNT}/ca.crt`,
    watchTimeout,
    logLevel,
  };
}
