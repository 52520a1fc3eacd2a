// Server settings from the environment, checked once at start-up.
import { existsSync } from 'node:fs';
import { DEFAULT_MEMBER_IMAGE } from '../reconcile/resolve.js';
import type { AuthFiles } from './auth.js';

export interface ServerConfig {
  host: string;
  port: number;
  logLevel: string;
  bodyLimit: number;
  /** Namespace of the system app catalog and of kd-global-config. */
  systemNamespace: string;
  /** The image every member's sidecar runs: this server's own. */
  memberImage: string;
  /** Port of /metrics (and the health endpoints) apart from the hooks; absent: /metrics on `port`. */
  metricsPort?: number;
  /** How callers of the hooks authenticate, as files mounted from Secrets. */
  auth: AuthFiles;
  /** Serve HTTPS on `port` with this certificate and key (PEM files). */
  tls?: TlsFiles;
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** CA that signs the callers' client certificates; set: hook calls need one (mutual TLS). */
  clientCaFile?: string;
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
  auth: {},
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

/** The path in variable `name`, which must name an existing file; undefined when unset. */
function file(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const path = env[name];
  if (path === undefined || path === '') return undefined;
  if (!existsSync(path)) throw new Error(`${name} names ${path}, which does not exist (is the Secret mounted?)`);
  return path;
}

function tlsFiles(env: NodeJS.ProcessEnv): TlsFiles | undefined {
  const certFile = file(env, 'TLS_CERT_FILE');
  const keyFile = file(env, 'TLS_KEY_FILE');
  const clientCaFile = file(env, 'TLS_CLIENT_CA_FILE');
  if (!certFile && !keyFile) {
    if (clientCaFile) throw new Error('TLS_CLIENT_CA_FILE needs TLS_CERT_FILE and TLS_KEY_FILE: client certificates need HTTPS');
    return undefined;
  }
  if (!certFile || !keyFile) throw new Error('TLS_CERT_FILE and TLS_KEY_FILE go together');
  return { certFile, keyFile, ...(clientCaFile ? { clientCaFile } : {}) };
}

/**
 * Reads PORT, HOST, LOG_LEVEL, BODY_LIMIT_BYTES, KD_NAMESPACE, KD_MEMBER_IMAGE, METRICS_PORT and
 * the AUTH_* and TLS_* file paths; throws with a readable message on bad values.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const logLevel = env.LOG_LEVEL || DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const port = integer(env, 'PORT', DEFAULTS.port, 0, 65535);
  const tls = tlsFiles(env);
  return {
    host: env.HOST || DEFAULTS.host,
    port,
    logLevel,
    bodyLimit: integer(env, 'BODY_LIMIT_BYTES', DEFAULTS.bodyLimit, MIB, 1024 * MIB),
    systemNamespace: namespace(env.KD_NAMESPACE || DEFAULTS.systemNamespace),
    memberImage: image(env.KD_MEMBER_IMAGE || DEFAULTS.memberImage),
    ...(env.METRICS_PORT ? { metricsPort: metricsPort(env, port) } : {}),
    auth: {
      ...(file(env, 'AUTH_TOKEN_FILE') ? { tokenFile: env.AUTH_TOKEN_FILE } : {}),
      ...(file(env, 'AUTH_BASIC_USERNAME_FILE') ? { usernameFile: env.AUTH_BASIC_USERNAME_FILE } : {}),
      ...(file(env, 'AUTH_BASIC_PASSWORD_FILE') ? { passwordFile: env.AUTH_BASIC_PASSWORD_FILE } : {}),
      ...(tls?.clientCaFile ? { clientCertificates: true } : {}),
    },
    ...(tls ? { tls } : {}),
  };
}

function metricsPort(env: NodeJS.ProcessEnv, port: number): number {
  const value = integer(env, 'METRICS_PORT', 0, 0, 65535);
  if (value !== 0 && value === port)
    throw new Error(`METRICS_PORT must differ from PORT (${port}); leave it unset to serve /metrics on PORT`);
  return value;
}
