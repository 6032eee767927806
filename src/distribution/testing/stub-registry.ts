// A registry that serves only what a test puts in it, and misbehaves on
// demand: the read side of the distribution API (ping, manifests, blobs with
// ranges, tags), optionally behind bearer-token authentication with its own
// token server, and a hook that sees every request first and may answer it
// itself (wrong bytes, a cut connection, 429s). It records every request.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Blob, TestImage } from './image-fixtures.ts';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

/** Return true when the hook answered the request itself. */
export type StubHook = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

export interface StubAuth {
  users: Record<string, string>;
  /** Seconds a token lives (default 300). */
  expiresIn?: number;
}

export class StubRegistry {
  readonly requests: SeenRequest[] = [];
  readonly blobs = new Map<string, Buffer>();
  /** `repo:reference` (a tag or a digest) to the document. */
  readonly manifests = new Map<string, { bytes: Buffer; mediaType: string }>();
  hook?: StubHook;
  /** Tokens handed out, to the scopes they grant. */
  readonly tokens = new Map<string, string[]>();
  tokenRequests = 0;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    private readonly auth?: StubAuth,
  ) {}

  static async start(auth?: StubAuth): Promise<StubRegistry> {
    let stub: StubRegistry | undefined;
    const server = createServer((req, res) => stub!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    stub = new StubRegistry(server, `127.0.0.1:${port}`, auth);
    return stub;
  }

  get url(): string {
    return `http://${this.host}`;
  }

  addBlob(blob: Blob): void {
    this.blobs.set(blob.descriptor.digest, blob.bytes);
  }

  addManifest(repo: string, references: string[], doc: Blob): void {
    this.blobs.set(doc.descriptor.digest, doc.bytes);
    for (const r of [...references, doc.descriptor.digest]) {
      this.manifests.set(`${repo}:${r}`, { bytes: doc.bytes, mediaType: doc.descriptor.mediaType });
    }
  }

  /** Serve an image under `repo:tag`. */
  addImage(repo: string, tag: string, image: TestImage): void {
    this.addBlob(image.config);
    for (const l of image.layers) this.addBlob(l);
    this.addManifest(repo, [tag], image.manifest);
  }

  count(method: string, path: RegExp): number {
    return this.requests.filter((r) => r.method === method && path.test(r.path)).length;
  }

  /** Forget every token handed out, as a token server whose key rotated. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    if (this.hook?.(req, res, path)) return;
    if (path === '/token') {
      this.token(req, res, url);
      return;
    }
    if (this.auth && !this.authorized(req, path)) {
      const repo = /^\/v2\/(.+)\/(?:manifests|blobs|tags)\//.exec(path)?.[1];
      const scope = repo ? `,scope="repository:${repo}:pull"` : '';
      res.writeHead(401, {
        'Content-Type': 'application/json',
        'WWW-Authenticate': `Bearer realm="${this.url}/token",service="stub"${scope}`,
      });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    if (path === '/v2/') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (m) {
      const doc = this.manifests.get(`${m[1]}:${m[2]}`);
      if (!doc) {
        notFound(res, 'MANIFEST_UNKNOWN', 'manifest unknown');
        return;
      }
      res.writeHead(200, {
        'Content-Type': doc.mediaType,
        'Content-Length': doc.bytes.length,
        'Docker-Content-Digest': [...this.blobs.entries()].find(([, b]) => b.equals(doc.bytes))?.[0] ?? '',
      });
      res.end(req.method === 'HEAD' ? undefined : doc.bytes);
      return;
    }
    m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
    if (m) {
      const blob = this.blobs.get(m[2]);
      if (!blob) {
        notFound(res, 'BLOB_UNKNOWN', 'blob unknown to registry');
        return;
      }
      serveBlob(req, res, blob);
      return;
    }
    m = /^\/v2\/(.+)\/tags\/list$/.exec(path);
    if (m) {
      const tags = [...this.manifests.keys()]
        .filter((k) => k.startsWith(`${m![1]}:`) && !k.includes('sha256:'))
        .map((k) => k.slice(m![1].length + 1));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ name: m[1], tags }));
      return;
    }
    notFound(res, 'NOT_FOUND', `no route for ${req.method} ${path}`);
  }

  private token(req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.tokenRequests++;
    if (req.method === 'POST') {
      // The OAuth2 refresh grant: the identity token a login handed out stands for the user.
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const user = form.get('refresh_token')?.replace(/^refresh-/, '');
        if (form.get('grant_type') !== 'refresh_token' || !user || !(user in (this.auth?.users ?? {}))) {
          res.writeHead(401, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ details: 'invalid refresh token' }));
          return;
        }
        this.grant(res, (form.get('scope') ?? '').split(' ').filter(Boolean), 'access_token');
      });
      return;
    }
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, password] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    if (!user || this.auth?.users[user] !== password) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ details: 'incorrect username or password' }));
      return;
    }
    const offline = url.searchParams.get('offline_token') === 'true';
    this.grant(res, url.searchParams.getAll('scope'), 'token', offline ? `refresh-${user}` : undefined);
  }

  private grant(
    res: ServerResponse,
    scopes: string[],
    field: 'token' | 'access_token',
    refresh?: string,
  ): void {
    const token = randomBytes(12).toString('hex');
    this.tokens.set(token, scopes);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        [field]: token,
        expires_in: this.auth?.expiresIn ?? 300,
        issued_at: new Date().toISOString(),
        ...(refresh ? { refresh_token: refresh } : {}),
      }),
    );
  }

  private authorized(req: IncomingMessage, path: string): boolean {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const scopes = token ? this.tokens.get(token) : undefined;
    if (!scopes) return false;
    const repo = /^\/v2\/(.+)\/(?:manifests|blobs|tags)\//.exec(path)?.[1];
    return (
      !repo || scopes.some((s) => s.startsWith(`repository:${repo}:`) && s.split(':')[2].includes('pull'))
    );
  }
}

function notFound(res: ServerResponse, code: string, message: string): void {
  res.writeHead(404, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ errors: [{ code, message }] }));
}

/** A blob, or the part a `Range: bytes=N-` asks for. */
export function serveBlob(req: IncomingMessage, res: ServerResponse, blob: Buffer): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    res.writeHead(206, {
      'Content-Length': blob.length - start,
      'Content-Range': `bytes ${start}-${blob.length - 1}/${blob.length}`,
      'Content-Type': 'application/octet-stream',
    });
    res.end(req.method === 'HEAD' ? undefined : blob.subarray(start));
    return;
  }
  res.writeHead(200, { 'Content-Length': blob.length, 'Content-Type': 'application/octet-stream' });
  res.end(req.method === 'HEAD' ? undefined : blob);
}
