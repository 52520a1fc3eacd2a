// Who may call the hooks: the credentials Metacontroller sends per webhook (an Authorization
// header from a Secret, bearer or basic) and, with TLS, its client certificate. The secrets are
// files mounted from Secrets; they are compared in constant time and never logged.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';

export interface AuthFiles {
  /** File holding the bearer token (a Secret key mounted as a file). */
  tokenFile?: string;
  /** Files holding the basic-auth user name and password. */
  usernameFile?: string;
  passwordFile?: string;
  /** With TLS on: a client certificate signed by the client CA is required. */
  clientCertificates?: boolean;
}

/** What failed, for the 401 and the log line; undefined when the caller is authenticated. */
export type AuthCheck = (request: IncomingMessage) => string | undefined;

/**
 * A file's trimmed content, re-read when the file changes (the kubelet swaps a Secret's files on
 * rotation), so a new token is accepted without a restart. Metacontroller trims the values too.
 */
export function watchedSecret(path: string): () => Buffer {
  let seen = '';
  let value: Buffer | undefined;
  return (): Buffer => {
    try {
      const stat = statSync(path);
      const identity = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
      if (identity === seen && value) return value;
      const content = readFileSync(path, 'utf8').trim();
      if (content === '') throw new Error(`${path} is empty`);
      seen = identity;
      return (value = Buffer.from(content));
    } catch (error) {
      // Mid-swap or briefly missing: the last good value stays; none yet is a start-up error.
      if (value) return value;
      throw error;
    }
  };
}

/** Equality in time independent of where the values differ and of their lengths (digests compared). */
export function sameSecret(given: Buffer, expected: Buffer): boolean {
  const digest = (b: Buffer) => createHash('sha256').update(b).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The credentials part of an Authorization header of the given scheme (case-insensitive). */
function credentials(header: string | undefined, scheme: string): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== scheme.toLowerCase()) return undefined;
  return header.slice(space + 1).trim();
}

function bearerCheck(token: () => Buffer): AuthCheck {
  return (request) => {
    const given = credentials(request.headers.authorization, 'Bearer');
    if (given === undefined) return 'no bearer token: send Authorization: Bearer <token>';
    return sameSecret(Buffer.from(given), token()) ? undefined : 'wrong bearer token';
  };
}

function basicCheck(username: () => Buffer, password: () => Buffer): AuthCheck {
  return (request) => {
    const given = credentials(request.headers.authorization, 'Basic');
    if (given === undefined) return 'no basic credentials: send Authorization: Basic <base64 user:password>';
    const decoded = Buffer.from(given, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'basic credentials are not user:password';
    // Both comparisons always run, so the time does not tell which one failed.
    const user = sameSecret(Buffer.from(decoded.slice(0, colon)), username());
    const pass = sameSecret(Buffer.from(decoded.slice(colon + 1)), password());
    return user && pass ? undefined : 'wrong basic credentials';
  };
}

/** The client certificate was verified against the client CA during the handshake. */
const clientCertificateCheck: AuthCheck = (request) => {
  // A TLS socket says whether the handshake verified the certificate; a plain one has no say.
  const socket = request.socket;
  if (socket instanceof TLSSocket && socket.authorized) return undefined;
  if (!(socket instanceof TLSSocket)) return 'no valid client certificate (not a TLS connection)';
  const presented = Object.keys(socket.getPeerCertificate()).length > 0;
  const reason = presented ? String(socket.authorizationError) : 'none presented';
  return `no valid client certificate (${reason})`;
};

/**
 * Every configured check must pass (a client certificate and a header may both be required);
 * undefined when nothing is configured. Throws when a file is missing or half the basic pair is.
 */
export function authCheck(files: AuthFiles): AuthCheck | undefined {
  const checks: AuthCheck[] = [];
  if (files.clientCertificates) checks.push(clientCertificateCheck);
  if (files.tokenFile && (files.usernameFile || files.passwordFile)) {
    throw new Error('AUTH_TOKEN_FILE and AUTH_BASIC_*_FILE exclude each other: Metacontroller sends one Authorization header');
  }
  if (Boolean(files.usernameFile) !== Boolean(files.passwordFile)) {
    throw new Error('AUTH_BASIC_USERNAME_FILE and AUTH_BASIC_PASSWORD_FILE go together');
  }
  if (files.tokenFile) checks.push(bearerCheck(loaded(files.tokenFile)));
  if (files.usernameFile && files.passwordFile) checks.push(basicCheck(loaded(files.usernameFile), loaded(files.passwordFile)));
  if (!checks.length) return undefined;
  return (request) => {
    for (const check of checks) {
      const failure = check(request);
      if (failure) return failure;
    }
    return undefined;
  };
}

/** A watched secret, read once now so that a missing or empty file stops the server at start. */
function loaded(path: string): () => Buffer {
  const read = watchedSecret(path);
  read();
  return read;
}

/** Names of the configured methods, for the start-up log line. */
export function authMethods(files: AuthFiles): string[] {
  return [
    ...(files.clientCertificates ? ['client-certificate'] : []),
    ...(files.tokenFile ? ['bearer'] : []),
    ...(files.usernameFile ? ['basic'] : []),
  ];
}
