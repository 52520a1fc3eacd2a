// Server settings from the environment, checked once at start-up.
import { DEFAULT_MEMBER_IMAGE } from '../reconcile/resolve.js';

export interface ServerConfig {
  host: string;
  port: number;
  logLevel: string;
  bodyLimit: number;
  /** Namespace of the system app catalog and of kd-global-config. */
  systemNamespace: string;
  /** The image every member's sidecar runs: this server's own. */
  memberImage: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIB = 1024 * 1024;

export const DEFAULTS: ServerConfig = {
  host: '0.0.0.0',
  port: 8080,
  logLevel: 'info',
  bodyLimit: 64 * MIB,
  systemNamespace: 'kubedirector',
  memberImage: DEFAULT_MEMBER_IMAGE,
};

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function namespace(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > 63) {
    throw new Error(`KD_NAMESPACE must be a namespace name (DNS label), got "${value}"`);
  }
  return value;
}

/** An image reference: no blanks, something before an optional tag or digest. */
function image(value: string): string {
  if (!/^[^\s:@/][^\s]*$/.test(value)) throw new Error(`KD_MEMBER_IMAGE must be an image reference, got "${value}"`);
  return value;
}

/** Reads PORT, HOST, LOG_LEVEL, BODY_LIMIT_BYTES, KD_NAMESPACE and KD_MEMBER_IMAGE; throws with a readable message on bad values. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const logLevel = env.LOG_LEVEL || DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  return {
    host: env.HOST || DEFAULTS.host,
    port: integer(env, 'PORT', DEFAULTS.port, 0, 65535),
    logLevel,
    bodyLimit: integer(env, 'BODY_LIMIT_BYTES', DEFAULTS.bodyLimit, MIB, 1024 * MIB),
    systemNamespace: namespace(env.KD_NAMESPACE || DEFAULTS.systemNamespace),
    memberImage: image(env.KD_MEMBER_IMAGE || DEFAULTS.memberImage),
  };
}
