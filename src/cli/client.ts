// The client of the Engine API over the daemon's unix socket: JSON requests,
// streamed bodies both ways, version negotiation, and the daemon's errors turned
// back into BerthErrors.
import { type IncomingMessage, request } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { compareApiVersions, MAX_API_VERSION, MIN_API_VERSION, minApiVersion } from '../api/api-version.ts';
import { unixHostOf } from '../api/paths.ts';
import { BerthError, codeOfHttpStatus, type ErrorCode, errnoOf } from '../util/errors.ts';

/** An error the daemon answered with; printed as "Error response from daemon: ...". */
export class DaemonError extends BerthError {
  readonly status: number;
  constructor(code: ErrorCode, message: string, status: number) {
    super(code, message);
    this.name = 'DaemonError';
    this.status = status;
  }
}

export const isDaemonError = (err: unknown): err is DaemonError => err instanceof DaemonError;

/** Nobody listens on the socket (ENOENT, ECONNREFUSED): the cases where a daemon can be started. */
export function isNotRunning(err: unknown): boolean {
  const errno = errnoOf((err as { cause?: unknown })?.cause) ?? errnoOf(err);
  return errno === 'ENOENT' || errno === 'ECONNREFUSED';
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface RequestOptions {
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** A JSON body. */
  readonly json?: unknown;
  /** A streamed body (an archive); give its Content-Type in headers. */
  readonly body?: Readable;
  readonly headers?: Readonly<Record<string, string>>;
  /** Send to the unversioned path (`/_ping`), not `/v{version}/...`. */
  readonly unversioned?: boolean;
  readonly timeoutMs?: number;
}

export interface PingResult {
  readonly apiVersion: string;
  readonly osType?: string;
  readonly builderVersion?: string;
  readonly experimental: boolean;
}

export function encodeQuery(query: Readonly<Record<string, QueryValue>> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) params.append(k, x);
    else params.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** The `filters` parameter from `--filter key=value` flags, as the daemon reads it. */
export function filtersParam(flags: readonly string[] | undefined): string | undefined {
  if (!flags?.length) return undefined;
  const out: Record<string, string[]> = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new BerthError('InvalidArgument', `bad format of filter (expected name=value): ${f}`);
    const name = f.slice(0, eq).trim().toLowerCase();
    out[name] = [...(out[name] ?? []), f.slice(eq + 1)];
  }
  return JSON.stringify(out);
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class Client {
  readonly socketPath: string;
  #apiVersion: string;
  #negotiated = false;

  constructor(socketPath: string, apiVersion: string = MAX_API_VERSION) {
    this.socketPath = socketPath;
    this.#apiVersion = apiVersion;
  }

  get host(): string {
    return unixHostOf(this.socketPath);
  }

  /** The version requests are sent with: berth's own, or lower after negotiation with an older daemon. */
  get apiVersion(): string {
    return this.#apiVersion;
  }

  /**
   * Send a request. Resolves with the response once its headers arrive (the body
   * unread, to stream); a status of 400 and above becomes a DaemonError.
   */
  request(method: string, path: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
    const fullPath = `${opts.unversioned ? '' : `/v${this.#apiVersion}`}${path}${encodeQuery(opts.query)}`;
    const headers: Record<string, string> = { ...opts.headers };
    let payload: string | undefined;
    if (opts.json !== undefined) {
      payload = JSON.stringify(opts.json);
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      // A connection per request (agent: false): on a unix socket it costs nothing, and a
      // reused one can race the daemon closing it as idle.
      const req = request(
        { socketPath: this.socketPath, method, path: fullPath, headers, agent: false },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status < 400) {
            resolve(res);
            return;
          }
          readAll(res).then((text) => reject(this.#errorOf(status, text)), reject);
        },
      );
      if (opts.timeoutMs) {
        req.setTimeout(opts.timeoutMs, () =>
          req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
        );
      }
      req.on('error', (err) => reject(this.#connectionError(err)));
      if (opts.body) {
        opts.body.on('error', (err) => req.destroy(err));
        opts.body.pipe(req);
      } else {
        req.end(payload);
      }
    });
  }

  /**
   * Take the connection over for a raw two-way stream (attach, exec start): the request
   * asks to upgrade to `tcp`, and the socket is the stream from then on.
   */
  hijack(method: string, path: string, opts: RequestOptions = {}): Promise<Duplex> {
    const fullPath = `/v${this.#apiVersion}${path}${encodeQuery(opts.query)}`;
    const payload = opts.json === undefined ? '' : JSON.stringify(opts.json);
    const headers: Record<string, string> = {
      Connection: 'Upgrade',
      Upgrade: 'tcp',
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(payload)),
    };
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, method, path: fullPath, headers, agent: false });
      req.on('upgrade', (_res, socket, head) => {
        if (head.length) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        readAll(res).then(
          (text) =>
            reject(
              status >= 400
                ? this.#errorOf(status, text)
                : new BerthError('Internal', `${path}: not upgraded (${status})`),
            ),
          reject,
        );
      });
      req.on('error', (err) => reject(this.#connectionError(err)));
      req.end(payload);
    });
  }

  /** A request whose answer is JSON (or empty, giving undefined). */
  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, opts);
    const text = await readAll(res);
    if (text.trim() === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new BerthError(
        'Internal',
        `daemon sent invalid JSON for ${method} ${path}: ${text.slice(0, 200)}`,
      );
    }
  }

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.json<T>('GET', path, { query });
  }
  post<T>(path: string, json?: unknown, query?: RequestOptions['query']): Promise<T> {
    return this.json<T>('POST', path, { json, query });
  }
  delete<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.json<T>('DELETE', path, { query });
  }

  async ping(timeoutMs?: number): Promise<PingResult> {
    const res = await this.request('GET', '/_ping', { unversioned: true, timeoutMs });
    await readAll(res);
    const header = (name: string) => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    return {
      apiVersion: header('api-version') ?? MIN_API_VERSION,
      osType: header('ostype'),
      builderVersion: header('builder-version'),
      experimental: header('docker-experimental') === 'true',
    };
  }

  /** Ping and settle on the lower of the daemon's version and berth's. */
  async negotiate(): Promise<string> {
    if (this.#negotiated) return this.#apiVersion;
    const { apiVersion } = await this.ping();
    if (compareApiVersions(apiVersion, MIN_API_VERSION) < 0) {
      throw new BerthError(
        'FailedPrecondition',
        `the daemon at ${this.host} speaks API ${apiVersion}; berth needs ${MIN_API_VERSION} or later`,
      );
    }
    this.#apiVersion = minApiVersion(apiVersion, MAX_API_VERSION);
    this.#negotiated = true;
    return this.#apiVersion;
  }

  #errorOf(status: number, text: string): DaemonError {
    let message = text.trim();
    try {
      const doc = JSON.parse(text) as { message?: unknown };
      if (typeof doc.message === 'string') message = doc.message;
    } catch {}
    return new DaemonError(codeOfHttpStatus(status), message || `status ${status}`, status);
  }

  #connectionError(err: unknown): BerthError {
    if (err instanceof BerthError) return err;
    const errno = errnoOf(err);
    if (errno === 'ENOENT' || errno === 'ECONNREFUSED') {
      return new BerthError(
        'Unavailable',
        `Cannot connect to the berth daemon at ${this.host}. Is the berth daemon running?`,
        { cause: err },
      );
    }
    if (errno === 'EACCES') {
      return new BerthError(
        'PermissionDenied',
        `permission denied while trying to connect to the berth daemon socket at ${this.host}`,
        { cause: err },
      );
    }
    return new BerthError(
      'Unavailable',
      `talking to the berth daemon at ${this.host}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * The objects of a JSON-lines response (progress of pull, push, load), as they
 * arrive. A line that is not JSON is an error of the daemon, reported as such.
 */
export async function* readJsonLines<T = unknown>(res: AsyncIterable<unknown>): AsyncGenerator<T> {
  let pending = '';
  const parse = (line: string): T => {
    try {
      return JSON.parse(line) as T;
    } catch {
      throw new BerthError('Internal', `daemon sent a line that is not JSON: ${line.slice(0, 200)}`);
    }
  };
  for await (const chunk of res) {
    pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) yield parse(line);
      nl = pending.indexOf('\n');
    }
  }
  if (pending.trim()) yield parse(pending.trim());
}
