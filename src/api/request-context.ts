// What a route handler gets: the request, its decoded path parameters and query,
// the negotiated API version, and helpers to read a body and send a response.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readJsonBody } from './body.ts';
import type { Logger } from './logger.ts';
import { Filters, queryBool, queryInt } from './query.ts';

export interface RequestContextInit {
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly apiVersion: string;
  readonly log: Logger;
}

export class RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  /** The version the client asked for in the path, or berth's maximum when it named none. */
  readonly apiVersion: string;
  readonly log: Logger;

  constructor(req: IncomingMessage, res: ServerResponse, init: RequestContextInit) {
    this.req = req;
    this.res = res;
    this.params = init.params;
    this.query = init.query;
    this.apiVersion = init.apiVersion;
    this.log = init.log;
  }

  #hijacked = false;

  get responded(): boolean {
    return this.#hijacked || this.res.headersSent || this.res.writableEnded;
  }

  /**
   * Take over the connection for a raw two-way stream (attach, exec start), as Docker
   * does: with `Upgrade: tcp` the answer is `101 UPGRADED` and then the socket itself;
   * without, a 200 whose body is the stream, with the request body as the input.
   */
  hijack(contentType: string): Duplex {
    this.#hijacked = true;
    const socket = this.res.socket as Socket | null;
    if (this.req.headers.upgrade && socket) {
      this.res.detachSocket(socket);
      socket.write(
        `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
      );
      return socket;
    }
    this.res.writeHead(200, { 'Content-Type': contentType });
    this.res.flushHeaders();
    return Duplex.from({ readable: this.req, writable: this.res });
  }

  bool(name: string, fallback = false): boolean {
    return queryBool(this.query, name, fallback);
  }
  int(name: string, fallback: number): number {
    return queryInt(this.query, name, fallback);
  }
  string(name: string): string | undefined {
    return this.query.get(name) ?? undefined;
  }
  filters(): Filters {
    return Filters.parse(this.query.get('filters'));
  }

  /** The request body parsed as JSON; undefined when the body is empty. */
  readJson<T = unknown>(limitBytes?: number): Promise<T | undefined> {
    return readJsonBody<T>(this.req, limitBytes);
  }

  /** The request body as a stream, for uploads (image load, import, build context). */
  body(): Readable {
    return this.req;
  }

  json(status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
    const body = `${JSON.stringify(value)}\n`;
    this.res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      ...headers,
    });
    this.res.end(body);
  }

  text(status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
    this.res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    this.res.end(body);
  }

  noContent(status = 204): void {
    this.res.writeHead(status);
    this.res.end();
  }

  /**
   * Send a stream as the body (image save and the like). Headers go out before the
   * first byte, so a failure mid-stream can only cut the connection: the client sees
   * a truncated body rather than a success.
   */
  async stream(source: Readable, contentType = 'application/octet-stream', status = 200): Promise<void> {
    this.res.writeHead(status, { 'Content-Type': contentType });
    await pipeline(source, this.res);
  }

  /**
   * Start a streamed response the handler writes itself (progress messages as
   * JSON lines); the handler ends it with `res.end()`.
   */
  startStream(contentType = 'application/json', status = 200): ServerResponse {
    this.res.writeHead(status, { 'Content-Type': contentType });
    this.res.flushHeaders();
    return this.res;
  }
}
