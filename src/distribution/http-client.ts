// HTTP(S) to registries on node:http and node:https: kept-alive connections
// per registry and TLS setting, streamed bodies both ways, redirects followed
// for GET and HEAD (credentials dropped when the origin changes), an idle
// timeout, and retries with backoff on 429, 5xx and dropped connections for
// every request whose body can be sent again. Answers of any other status are
// returned as they are: what a status means is the caller's business.
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../util/errors.ts';
import {
  backoffMs,
  DEFAULT_RETRY,
  isRetryableNetworkError,
  RETRY_STATUSES,
  type RetryPolicy,
  retryAfterMs,
} from './backoff.ts';
import type { TlsSettings } from './tls-settings.ts';

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** Bytes, or a function making a fresh stream of the body for each try. */
  body?: Buffer | (() => Readable);
  /** TLS settings for an https URL (the system's defaults when absent). */
  tls?: TlsSettings;
  /** Try again on 429, 5xx and dropped connections (default true). */
  retry?: boolean;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, unread: consume it or call `discard`. */
  body: IncomingMessage;
  /** The URL that answered (after redirects). */
  url: URL;
}

export interface HttpClientOptions {
  retry?: Partial<RetryPolicy>;
  /** A connection idle this long is given up (default 60 s). */
  idleTimeoutMs?: number;
  /** Called before each wait between tries (for logs and tests). */
  onRetry?(info: { url: URL; attempt: number; delayMs: number; reason: string }): void;
}

const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The first value of a header. */
export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Read and drop a body, so its connection can be used again. */
export function discard(res: HttpResponse): Promise<void> {
  return new Promise((resolve) => {
    // `complete` is not enough: a body received but unread still holds its connection.
    if (res.body.readableEnded || res.body.destroyed) return resolve();
    res.body
      .on('end', resolve)
      .on('error', () => resolve())
      .on('close', resolve);
    res.body.resume();
  });
}

/** A body as text, up to `limit` bytes (more is an error). */
export async function readText(res: HttpResponse, limit = 4 << 20): Promise<string> {
  return (await readBytes(res, limit)).toString('utf8');
}

export async function readBytes(res: HttpResponse, limit = 4 << 20): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      res.body.destroy();
      throw new BerthError('InvalidArgument', `${res.url}: the answer is larger than ${limit} bytes`);
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

export class HttpClient {
  readonly retry: RetryPolicy;
  private readonly idleTimeoutMs: number;
  private readonly onRetry: HttpClientOptions['onRetry'];
  private readonly plainAgents = new Map<string, HttpAgent>();
  private readonly tlsAgents = new WeakMap<TlsSettings, Map<string, HttpsAgent>>();
  private readonly allAgents = new Set<HttpAgent>();
  private readonly defaultTls = new Map<string, HttpsAgent>();

  constructor(opts: HttpClientOptions = {}) {
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
    this.onRetry = opts.onRetry;
  }

  /** Close every kept-alive connection. */
  close(): void {
    for (const agent of this.allAgents) agent.destroy();
    this.allAgents.clear();
    this.plainAgents.clear();
    this.defaultTls.clear();
  }

  private agentFor(url: URL, tls: TlsSettings | undefined): HttpAgent {
    const opts = { keepAlive: true, maxSockets: 16 };
    if (url.protocol === 'http:') {
      let agent = this.plainAgents.get(url.host);
      if (!agent) {
        agent = new HttpAgent(opts);
        this.plainAgents.set(url.host, agent);
        this.allAgents.add(agent);
      }
      return agent;
    }
    let byHost = tls ? this.tlsAgents.get(tls) : this.defaultTls;
    if (!byHost) {
      byHost = new Map();
      if (tls) this.tlsAgents.set(tls, byHost);
    }
    let agent = byHost.get(url.host);
    if (!agent) {
      agent = new HttpsAgent({ ...opts, ...(tls ?? {}) });
      byHost.set(url.host, agent);
      this.allAgents.add(agent);
    }
    return agent;
  }

  /** Send a request, following redirects and retrying as the module header says. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    let current = req;
    for (let hops = 0; ; hops++) {
      const res = await this.withRetries(current);
      const location = header(res, 'location');
      const follow = (req.method === 'GET' || req.method === 'HEAD') && REDIRECTS.has(res.status) && location;
      if (!follow) return res;
      await discard(res);
      if (hops >= MAX_REDIRECTS) {
        throw new BerthError(
          'Unavailable',
          `${req.method} "${req.url}": stopped after ${MAX_REDIRECTS} redirects`,
        );
      }
      const next = new URL(location, current.url);
      const sameOrigin = next.origin === current.url.origin;
      const headers = { ...current.headers };
      if (!sameOrigin) delete headers.Authorization;
      current = { ...current, url: next, headers, tls: sameOrigin ? current.tls : undefined };
    }
  }

  private async withRetries(req: HttpRequest): Promise<HttpResponse> {
    const canRetry = req.retry !== false;
    const attempts = canRetry ? this.retry.attempts : 1;
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.once(req);
      } catch (err) {
        if (attempt >= attempts || !isRetryableNetworkError(err) || req.signal?.aborted) {
          throw connectionError(req, err);
        }
        await this.wait(req, attempt, undefined, (err as Error).message);
        continue;
      }
      if (attempt >= attempts || !RETRY_STATUSES.has(res.status)) return res;
      await discard(res);
      await this.wait(req, attempt, retryAfterMs(header(res, 'retry-after')), `status ${res.status}`);
    }
  }

  private async wait(req: HttpRequest, attempt: number, retryAfter: number | undefined, reason: string) {
    const delayMs = backoffMs(this.retry, attempt, retryAfter);
    this.onRetry?.({ url: req.url, attempt, delayMs, reason });
    await sleep(delayMs, undefined, { signal: req.signal });
  }

  private once(req: HttpRequest): Promise<HttpResponse> {
    const { url } = req;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...req.headers };
    const body = typeof req.body === 'function' ? req.body() : req.body;
    if (Buffer.isBuffer(body)) headers['Content-Length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const r = send(
        url,
        { method: req.method, headers, agent: this.agentFor(url, req.tls), signal: req.signal },
        (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url }),
      );
      r.setTimeout(this.idleTimeoutMs, () => {
        r.destroy(
          Object.assign(new Error(`no data for ${this.idleTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' }),
        );
      });
      r.on('error', reject);
      if (body === undefined) r.end();
      else if (Buffer.isBuffer(body)) r.end(body);
      else {
        body.on('error', (err) => r.destroy(err));
        body.pipe(r);
      }
    });
  }
}

export const USER_AGENT = `berth/0.1 (node ${process.version}; ${process.platform})`;

/** A connection failure in Docker's words: `Get "https://host/v2/": <cause>`. */
function connectionError(req: HttpRequest, err: unknown): BerthError {
  if (err instanceof BerthError) return err;
  const e = err as Error & { code?: string };
  const method = req.method[0] + req.method.slice(1).toLowerCase();
  let cause = e.message;
  if (e.code === 'EPROTO' && /wrong version number|packet length too long/.test(cause)) {
    cause = 'http: server gave HTTP response to HTTPS client';
  }
  if (e.name === 'AbortError')
    return new BerthError('Unavailable', `${method} "${req.url}": canceled`, { cause: err });
  return new BerthError('Unavailable', `${method} "${req.url}": ${cause}`, { cause: err });
}
