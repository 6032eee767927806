// The HTTP server of the Engine API on a unix socket: version prefix and
// negotiation, Docker's response headers, routing, and errors as JSON messages.
import { chmod } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { asBerthError, httpStatusOf } from '../util/errors.ts';
import { compareApiVersions, MAX_API_VERSION, MIN_API_VERSION } from './api-version.ts';
import type { Logger } from './logger.ts';
import { RequestContext } from './request-context.ts';
import type { Router } from './router.ts';

export interface ApiServerOptions {
  readonly router: Router;
  readonly log: Logger;
  /** The `Server` header, e.g. `Berth/0.1.0 (linux)`. */
  readonly serverHeader: string;
}

const VERSIONED_PATH = /^\/v([0-9]+(?:\.[0-9]+)?)(\/.*)$/;

export class ApiServer {
  readonly #opts: ApiServerOptions;
  readonly #server: Server;
  #inFlight = 0;
  #closing = false;
  /** Connections taken over by attach and exec: the HTTP server no longer tracks them. */
  readonly #upgraded = new Set<Socket>();

  constructor(opts: ApiServerOptions) {
    this.#opts = opts;
    this.#server = createServer((req, res) => {
      this.#inFlight++;
      res.on('close', () => {
        this.#inFlight--;
        if (this.#closing) this.#server.closeIdleConnections();
      });
      this.#handle(req, res).catch((err) => {
        opts.log.error('request failed after the response started', { error: String(err) });
        res.destroy();
      });
    });
    // attach and exec ask to upgrade the connection; they are routed like any request
    // and take the socket over with ctx.hijack(), others answer on it as usual
    this.#server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      if (head.length) socket.unshift(head);
      this.#upgraded.add(socket);
      socket.on('close', () => this.#upgraded.delete(socket));
      const res = new ServerResponse(req);
      res.assignSocket(socket);
      res.shouldKeepAlive = false;
      this.#handle(req, res).catch((err) => {
        opts.log.error('upgraded request failed', { error: String(err) });
        socket.destroy();
      });
    });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Listen on a unix socket and give it mode 0660 (owner and group, as Docker's socket). */
  async listen(socketPath: string, mode = 0o660): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.#server.once('error', onError);
      this.#server.listen(socketPath, () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
    await chmod(socketPath, mode);
  }

  /**
   * Stop accepting connections and wait for requests in flight; after `timeoutMs`
   * the connections still open (long streams) are cut.
   */
  async close(timeoutMs: number): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([closed, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.#opts.log.warn('requests still running at shutdown; closing their connections', {
        requests: this.#inFlight,
      });
      this.#server.closeAllConnections();
      for (const socket of this.#upgraded) socket.destroy();
      await closed;
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { log, router, serverHeader } = this.#opts;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    res.setHeader('Api-Version', MAX_API_VERSION);
    res.setHeader('Docker-Experimental', 'false');
    res.setHeader('Ostype', 'linux');
    res.setHeader('Server', serverHeader);
    log.debug('request', { method: req.method, path: url });

    let apiVersion = MAX_API_VERSION;
    const versioned = VERSIONED_PATH.exec(path);
    if (versioned) {
      apiVersion = versioned[1]!;
      path = versioned[2]!;
      if (compareApiVersions(apiVersion, MIN_API_VERSION) < 0) {
        return sendError(
          res,
          400,
          `client version ${apiVersion} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
        );
      }
      if (compareApiVersions(apiVersion, MAX_API_VERSION) > 0) {
        return sendError(
          res,
          400,
          `client version ${apiVersion} is too new. Maximum supported API version is ${MAX_API_VERSION}`,
        );
      }
    }

    let ctx: RequestContext | undefined;
    try {
      const match = router.match(req.method ?? 'GET', path);
      if (!match) return sendError(res, 404, 'page not found');
      ctx = new RequestContext(req, res, { params: match.params, query, apiVersion, log });
      const result = await match.handler(ctx);
      if (!ctx.responded) {
        if (result === undefined) ctx.noContent();
        else ctx.json(200, result);
      }
    } catch (err) {
      const e = asBerthError(err);
      const status = httpStatusOf(e.code);
      if (status >= 500) log.error('request failed', { method: req.method, path: url, error: e.message });
      else log.debug('request refused', { method: req.method, path: url, status, error: e.message });
      if (res.headersSent) {
        res.destroy(e);
        return;
      }
      // A body left unread cannot be skipped safely on a kept-alive connection.
      if (!req.complete) res.setHeader('Connection', 'close');
      sendError(res, status, e.message);
    }
  }
}

function sendError(res: ServerResponse, status: number, message: string): void {
  const body = `${JSON.stringify({ message })}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
