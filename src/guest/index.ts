// The guest agent's script, read once at start-up: the hooks render it into every cluster's ConfigMap.
import { readFileSync } from 'node:fs';

export const AGENT_SCRIPT = readFileSync(new URL('./agent.sh', import.meta.url), 'utf8');

/** Where the agent and the files it reads are mounted in every member. */
export const CONFIG_MOUNT = '/etc/kubedirector';
export const SECRETS_MOUNT = '/etc/kubedirector-secrets';
export const AGENT = `${CONFIG_MOUNT}/agent.sh`;
/** Names of the pod volumes holding the cluster's ConfigMap and Secret. */
export const CONFIG_VOLUME = 'kd-config';
export const SECRETS_VOLUME = 'kd-secrets';

/**
 * The member channel: an in-memory emptyDir shared by the app container and the member sidecar.
 * The sidecar keeps the cluster's ConfigMap and Secret there (`config/`, `secrets/`), fresher than
 * the volumes above; the agent writes its progress there for the sidecar to report.
 */
export const CHANNEL_MOUNT = '/etc/kubedirector-channel';
export const CHANNEL_VOLUME = 'kd-channel';
