// A small client of the real API server for the tests: HTTPS with the test CA and a client
// certificate (or a bearer token), resource paths from the server's own discovery, and errors
// that carry the server's Status (code, reason, message) as kubectl would show it.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

export type Obj = Record<string, any>;

export interface KubeCredentials {
  server: string;
  caFile: string;
  certFile?: string;
  keyFile?: string;
  token?: string;
}

export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly status: Obj | undefined,
  ) {
    super(message);
  }
}

interface Resource {
  plural: string;
  namespaced: boolean;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Strict makes unknown or duplicate fields errors, as `kubectl apply` asks since 1.27. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export class Kube {
  private readonly agent: Agent;
  private readonly token: string | undefined;
  private readonly discovery = new Map<string, Promise<Map<string, Resource>>>();

  constructor(private readonly credentials: KubeCredentials) {
    this.agent = new Agent({
      keepAlive: true,
      ca: readFileSync(credentials.caFile),
      ...(credentials.certFile && credentials.keyFile
        ? { cert: readFileSync(credentials.certFile), key: readFileSync(credentials.keyFile) }
        : {}),
    });
    this.token = credentials.token;
  }

  /** The same server and CA with another identity. */
  withToken(token: string): Kube {
    return new Kube({ server: this.credentials.server, caFile: this.credentials.caFile, token });
  }

  close(): void {
    this.agent.destroy();
  }

  /** One HTTP exchange, whatever its status. */
  raw(method: string, path: string, body?: string, contentType = 'application/json'): Promise<{ status: number; text: string }> {
    const url = new URL(path, this.credentials.server);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = contentType;
      // Node sends a DELETE body unframed unless its length is given.
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return new Promise((resolve, reject) => {
      const req = request(url, { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** The decoded JSON of a 2xx answer; a KubeError with the server's Status otherwise. */
  async request(method: string, path: string, body?: unknown, contentType?: string): Promise<Obj> {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const reply = await this.raw(method, path, text, contentType);
    let parsed: Obj | undefined;
    try {
      parsed = reply.text ? (JSON.parse(reply.text) as Obj) : {};
    } catch {
      parsed = undefined;
    }
    if (reply.status >= 200 && reply.status < 300) return parsed ?? {};
    const status = parsed?.kind === 'Status' ? parsed : undefined;
    throw new KubeError(
      reply.status,
      status?.reason ?? '',
      status?.message ?? `${method} ${path}: HTTP ${reply.status}: ${reply.text.slice(0, 500)}`,
      status,
    );
  }

  /** The resource of a kind, from discovery (cached per group version; refreshed when a kind is missing, as after a CRD is added). */
  async resource(apiVersion: string, kind: string): Promise<Resource> {
    for (let attempt = 0; attempt < 2; attempt++) {
      let resources = this.discovery.get(apiVersion);
      if (!resources || attempt > 0) {
        resources = this.discover(apiVersion);
        this.discovery.set(apiVersion, resources);
      }
      const found = (await resources.catch(() => new Map<string, Resource>())).get(kind);
      if (found) return found;
    }
    throw new KubeError(404, 'NotFound', `no matches for kind "${kind}" in version "${apiVersion}"`, undefined);
  }

  private async discover(apiVersion: string): Promise<Map<string, Resource>> {
    const list = await this.request('GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
    const map = new Map<string, Resource>();
    for (const r of list.resources as Obj[]) if (!r.name.includes('/')) map.set(r.kind, { plural: r.name, namespaced: r.namespaced });
    return map;
  }

  /** The URL path of a resource, an object of it, or a subresource. */
  async path(apiVersion: string, kind: string, namespace?: string, name?: string, subresource?: string): Promise<string> {
    const { plural, namespaced } = await this.resource(apiVersion, kind);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = namespaced && namespace ? `/namespaces/${namespace}` : '';
    return `${base}${ns}/${plural}${name ? `/${name}` : ''}${subresource ? `/${subresource}` : ''}`;
  }

  private objectPath(obj: Obj, subresource?: string): Promise<string> {
    return this.path(obj.apiVersion, obj.kind, obj.metadata?.namespace, obj.metadata?.name, subresource);
  }

  async get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<Obj | undefined> {
    try {
      return await this.request('GET', await this.path(apiVersion, kind, namespace, name));
    } catch (error) {
      if (error instanceof KubeError && error.code === 404) return undefined;
      throw error;
    }
  }

  /** Items of a kind, with apiVersion and kind filled in (a list leaves them out). */
  async list(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<Obj[]> {
    const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    const list = await this.request('GET', `${await this.path(apiVersion, kind, namespace)}${query}`);
    return (list.items as Obj[]).map((item) => ({ apiVersion, kind, ...item }));
  }

  async create(obj: Obj, options: WriteOptions = {}): Promise<Obj> {
    const path = await this.path(obj.apiVersion, obj.kind, obj.metadata?.namespace);
    return this.request('POST', `${path}${query(options)}`, obj);
  }

  async update(obj: Obj, options: WriteOptions = {}): Promise<Obj> {
    return this.request('PUT', `${await this.objectPath(obj)}${query(options)}`, obj);
  }

  async updateStatus(obj: Obj): Promise<Obj> {
    return this.request('PUT', await this.objectPath(obj, 'status'), obj);
  }

  /** Server-side apply. */
  async apply(obj: Obj, fieldManager: string, options: WriteOptions & { force?: boolean; subresource?: string } = {}): Promise<Obj> {
    const extra = `fieldManager=${encodeURIComponent(fieldManager)}${options.force ? '&force=true' : ''}`;
    const q = query(options);
    const path = `${await this.objectPath(obj, options.subresource)}${q ? `${q}&` : '?'}${extra}`;
    return this.request('PATCH', path, obj, 'application/apply-patch+yaml');
  }

  async patch(obj: Obj, patch: unknown, type: 'json' | 'merge' | 'strategic', subresource?: string): Promise<Obj> {
    const contentType = {
      json: 'application/json-patch+json',
      merge: 'application/merge-patch+json',
      strategic: 'application/strategic-merge-patch+json',
    }[type];
    return this.request('PATCH', await this.objectPath(obj, subresource), patch, contentType);
  }

  /** The HTTP status a request gets (200 for any success), as an authorization check reads it. */
  async statusOf(method: string, path: string, body?: unknown, contentType?: string): Promise<number> {
    try {
      await this.request(method, path, body, contentType);
      return 200;
    } catch (error) {
      if (error instanceof KubeError) return error.code;
      throw error;
    }
  }

  async delete(obj: Obj, body: Obj = {}): Promise<void> {
    try {
      await this.request('DELETE', await this.objectPath(obj), { apiVersion: 'v1', kind: 'DeleteOptions', ...body });
    } catch (error) {
      if (!(error instanceof KubeError && error.code === 404)) throw error;
    }
  }
}

function query(options: WriteOptions): string {
  const params = new URLSearchParams();
  if (options.dryRun) params.set('dryRun', 'All');
  if (options.fieldValidation) params.set('fieldValidation', options.fieldValidation);
  const text = params.toString();
  return text ? `?${text}` : '';
}
