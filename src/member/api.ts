// A tiny client of the Kubernetes API: GET, merge PATCH and a WATCH stream, over node:https.
// No client library: the sidecar runs in every member pod, so its memory counts many times.
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { StringDecoder } from 'node:string_decoder';

/** The fields of the objects the sidecar reads (ConfigMap, Secret, Lease, Status). */
export interface Obj {
  kind?: string;
  metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  /** Of a Status. */
  code?: number;
  reason?: string;
  message?: string;
}

export interface ApiSettings {
  apiUrl: string;
  tokenFile: string;
  caFile: string;
}

/** A non-2xx answer, with the Status the server sent (reason and message) when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Obj;
}

const REQUEST_TIMEOUT_MS = 30_000;
/** How long a watch may stay silent beyond its timeoutSeconds before the connection counts as dead. */
const WATCH_GRACE_MS = 30_000;

export class Api {
  private readonly base: URL;
  private agent: HttpsAgent | HttpAgent | undefined;
  private agentCa: string | undefined;

  constructor(private readonly settings: ApiSettings) {
    this.base = new URL(settings.apiUrl);
  }

  /** The object at path, or undefined when it does not exist. */
  async get(path: string): Promise<Obj | undefined> {
    const res = await this.send('GET', path, REQUEST_TIMEOUT_MS);
    const text = await readBody(res);
    if (res.statusCode === 404) return undefined;
    return parseAnswer('GET', path, res.statusCode ?? 0, text);
  }

  /** A JSON merge patch; the patched object, or undefined when it does not exist. */
  async mergePatch(path: string, patch: unknown): Promise<Obj | undefined> {
    const body = JSON.stringify(patch);
    const res = await this.send('PATCH', path, REQUEST_TIMEOUT_MS, body, 'application/merge-patch+json');
    const text = await readBody(res);
    if (res.statusCode === 404) return undefined;
    return parseAnswer('PATCH', path, res.statusCode ?? 0, text);
  }

  /**
   * Opens a watch (path carries watch=true and the selectors) and returns its events; an error
   * status at the start throws here, so the caller knows the watch is established.
   */
  async watch(path: string, timeoutSeconds: number): Promise<AsyncGenerator<WatchEvent>> {
    const res = await this.send('GET', path, timeoutSeconds * 1000 + WATCH_GRACE_MS);
    if (res.statusCode !== 200) parseAnswer('WATCH', path, res.statusCode ?? 0, await readBody(res));
    return events(res);
  }

  private async send(method: string, path: string, timeoutMs: number, body?: string, contentType?: string): Promise<IncomingMessage> {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    const https = url.protocol === 'https:';
    const agent = https ? await this.httpsAgent() : (this.agent ??= new HttpAgent({ keepAlive: true }));
    // Read for every request: a projected token is replaced on disk before it expires.
    const token = (await readFile(this.settings.tokenFile, 'utf8')).trim();
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'kubedirector-member' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) {
      headers['content-type'] = contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const request = https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { method, agent, headers }, resolve);
      // An idle socket (a dead connection, a silent watch past its end) is given up on.
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url.pathname}: no answer for ${timeoutMs / 1000} s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** The HTTPS agent for the CA file's current content (a rotated CA gets fresh connections). */
  private async httpsAgent(): Promise<HttpsAgent> {
    const ca = await readFile(this.settings.caFile, 'utf8');
    if (this.agent instanceof HttpsAgent && ca === this.agentCa) return this.agent;
    this.agent?.destroy();
    const agent = new HttpsAgent({ keepAlive: true, ca });
    this.agent = agent;
    this.agentCa = ca;
    return agent;
  }
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The JSON of a 2xx answer; an ApiError otherwise. */
function parseAnswer(method: string, path: string, status: number, text: string): Obj {
  let parsed: Obj | undefined;
  try {
    parsed = JSON.parse(text) as Obj;
  } catch {
    parsed = undefined;
  }
  if (status >= 200 && status < 300 && parsed) return parsed;
  const fromStatus = parsed?.kind === 'Status' ? parsed : undefined;
  const what = path.split('?')[0] ?? path;
  throw new ApiError(
    status,
    fromStatus?.reason ?? '',
    `${method} ${what}: HTTP ${status}: ${fromStatus?.message ?? text.slice(0, 200).replace(/\s+/g, ' ')}`,
  );
}

/** One event per line of the watch stream; a broken connection throws. */
async function* events(res: IncomingMessage): AsyncGenerator<WatchEvent> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  try {
    for await (const chunk of res) {
      pending += decoder.write(chunk as Buffer);
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line) yield JSON.parse(line) as WatchEvent;
      }
    }
  } finally {
    res.destroy();
  }
}
