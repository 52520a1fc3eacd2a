// Server settings from the environment, checked once at start-up.

export interface ServerConfig {
  host: string;
  port: number;
  logLevel: string;
  bodyLimit: number;
  /** Namespace of the system app catalog and of kd-global-config. */
  systemNamespace: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIB = 1024 * 1024;

export const DEFAULTS: ServerConfig = {
  host: '0.0.0.0',
  port: 8080,
  logLevel: 'info',
  bodyLimit: 64 * MIB,
  systemNamespace: 'kubedirector',
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

/** Reads PORT, HOST, LOG_LEVEL, BODY_LIMIT_BYTES and KD_NAMESPACE; throws with a readable message on bad values. */
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
  };
}
