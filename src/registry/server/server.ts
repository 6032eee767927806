// The registry's HTTP(S) server: every /v2/ request is matched to its endpoint, its
// repository name checked, the Authorizer (if any) asked for the access it needs, and its
// handler run; other paths go to the Authorizer's own endpoints (the token service), else
// 404. Each request is logged in one line. Stale uploads are purged now and then. close()
// stops accepting, lets requests in flight finish up to a timeout, then cuts the rest.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Authorizer } from '../auth/index.ts';
import type { Registry } from '../registry.ts';
import { accessLine } from './access-log.ts';
import { type RequestContext, wantName } from './context.ts';
import { handlerFor } from './dispatch.ts';
import { API_VERSION, API_VERSION_HEADER, sendOciError, sendThrown } from './respond.ts';
import { accessFor, isV2Path, matchRoute, nameOf } from './routes.ts';

export interface RegistryServerOptions {
  registry: Registry;
  authorizer?: Authorizer;
  /** Extra headers on every answer (distribution's http.headers). */
  headers?: Record<string, string[]>;
  /** PEM certificate chain and key: serve HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Where access lines and errors go; stderr by default. */
  log?: (line: string) => void;
  /** How often stale uploads are looked for; by default a tenth of the upload lifetime, at most an hour. */
  purgeIntervalMs?: number;
}

export class RegistryServer {
  private readonly server: Server;
  private readonly log: (line: string) => void;
  private inFlight = 0;
  private closing = false;
  private purgeTimer?: NodeJS.Timeout;
  private purging?: Promise<void>;

  private constructor(private readonly opts: RegistryServerOptions) {
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.serve(req, res);
    this.server = opts.tls
      ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler)
      : createHttpServer(handler);
    const limits = opts.registry.limits;
    // No limit on a whole request (a blob can take long); a silent client is cut instead.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = limits.requestTimeoutMs;
    this.server.setTimeout(limits.requestTimeoutMs);
  }

  /** Start serving on `host:port` (port 0: any free port). */
  static async listen(opts: RegistryServerOptions, host: string, port: number): Promise<RegistryServer> {
    const s = new RegistryServer(opts);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(port, host, () => {
        s.server.off('error', reject);
        resolve();
      });
    });
    s.startPurging();
    return s;
  }

  get address(): { host: string; port: number } {
    const a = this.server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  /** The base URL, `http://127.0.0.1:5000`. */
  get url(): string {
    const { host, port } = this.address;
    return `${this.opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  private startPurging(): void {
    const lifetime = this.opts.registry.limits.uploadLifetimeMs;
    const every = this.opts.purgeIntervalMs ?? Math.min(3600_000, Math.max(1000, lifetime / 10));
    const purge = () => {
      this.purging ??= this.opts.registry
        .purgeUploads()
        .then((ids) => {
          if (ids.length) this.log(`registry: purged ${ids.length} upload(s) older than ${lifetime / 1000}s`);
        })
        .catch((err) => this.log(`registry: purging stale uploads failed: ${(err as Error).message}`))
        .finally(() => {
          this.purging = undefined;
        });
    };
    purge();
    this.purgeTimer = setInterval(purge, every);
    this.purgeTimer.unref();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    this.inFlight++;
    let user: string | undefined;
    res.on('close', () => {
      this.inFlight--;
      this.log(accessLine({ req, res, started, user }));
      if (this.closing) setImmediate(() => this.server.closeIdleConnections());
    });
    for (const [k, v] of Object.entries(this.opts.headers ?? {})) res.setHeader(k, v);
    if (this.closing) res.setHeader('Connection', 'close');
    // URL parsing resolves `.` and `..` segments (also %2e-encoded): refuse them first, so a
    // request never lands on a repository other than the one it names
    if (hasDotSegment(req.url ?? '/')) {
      sendOciError(res, 400, 'NAME_INVALID', 'invalid repository name: a path segment is . or ..');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://registry');
    try {
      if (!isV2Path(url.pathname)) {
        if (this.opts.authorizer && (await this.opts.authorizer.handle(req, res))) return;
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 19 });
        res.end('404 page not found\n');
        return;
      }
      res.setHeader(API_VERSION_HEADER, API_VERSION);
      const route = matchRoute(url.pathname);
      const name = nameOf(route);
      if (name !== undefined) wantName(name);
      const handler = handlerFor(route, req.method ?? 'GET', url.pathname);
      if (this.opts.authorizer) {
        const from = route.kind === 'uploads' ? (url.searchParams.get('from') ?? undefined) : undefined;
        if (from !== undefined) wantName(from);
        const decision = await this.opts.authorizer.authorize(
          req.headers,
          accessFor(route, req.method ?? 'GET', from),
        );
        if (!decision.ok) {
          sendOciError(
            res,
            decision.status,
            decision.code,
            decision.message,
            decision.detail,
            decision.headers,
          );
          return;
        }
        user = decision.user;
      }
      const ctx: RequestContext = {
        req,
        res,
        url,
        registry: this.opts.registry,
        guarded: !!this.opts.authorizer,
      };
      await handler(ctx);
    } catch (err) {
      // A client that went away mid-request is not a failure of the registry worth a line.
      const gone = req.socket?.destroyed ?? true;
      const internal = sendThrown(res, err);
      if (internal && !gone) this.log(`registry: ${req.method} ${url.pathname}: ${internal}`);
    }
  }

  /** Requests being served now. */
  get activeRequests(): number {
    return this.inFlight;
  }

  /**
   * Stop accepting connections, let requests in flight finish for up to `timeoutMs`, then
   * close whatever is left. Resolves when the server is closed.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), timeoutMs);
    await closed;
    clearTimeout(timer);
    await this.purging;
  }
}

function hasDotSegment(rawUrl: string): boolean {
  const path = rawUrl.split('?', 1)[0];
  return path.split('/').some((seg) => {
    const decoded = seg.replace(/%2e/gi, '.');
    return decoded === '.' || decoded === '..';
  });
}
