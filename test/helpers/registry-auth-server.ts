// A small registry front for auth tests: a node:http (or https) server that puts an
// Authorizer before a /v2/ handler, the way `berth registry serve` does: `handle`
// first for paths outside /v2/, `authorize` with the access the route needs for the
// rest. Behind it either a fake read-only registry holding one tiny image, or a
// proxy to a real distribution registry (docker-registry) running without auth.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AccessRequest, Authorizer } from '../../src/registry/auth/index.ts';
import { waitFor } from './berth.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The access a distribution API request needs, by route and method. */
export function accessFor(method: string, url: string): AccessRequest[] {
  const u = new URL(url, 'http://localhost');
  if (u.pathname === '/v2/' || u.pathname === '/v2') return [];
  if (u.pathname === '/v2/_catalog') return [{ type: 'registry', name: 'catalog', actions: ['*'] }];
  const m = /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(u.pathname);
  if (!m) return [];
  const actions =
    method === 'GET' || method === 'HEAD' ? ['pull'] : method === 'DELETE' ? ['delete'] : ['pull', 'push'];
  const access: AccessRequest[] = [{ type: 'repository', name: m[1], actions }];
  const from = u.searchParams.get('from');
  if (method === 'POST' && u.searchParams.has('mount') && from) {
    access.push({ type: 'repository', name: from, actions: ['pull'] });
  }
  return access;
}

export interface FrontServer {
  readonly port: number;
  /** `127.0.0.1:PORT`, the registry's name in image references. */
  readonly host: string;
  /** Every request's method, path and Authorization scheme, in order. */
  readonly log: { method: string; path: string; scheme?: string }[];
  close(): Promise<void>;
}

/** Listen on a free loopback port with `authorizer` (if any) in front of `backend`. */
export async function startFront(opts: {
  authorizer: Authorizer | undefined;
  backend: Handler;
  tls?: { cert: Buffer; key: Buffer };
}): Promise<FrontServer> {
  const log: FrontServer['log'] = [];
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    log.push({
      method: req.method ?? '',
      path: req.url ?? '',
      scheme: req.headers.authorization?.split(' ')[0],
    });
    route(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    });
  };
  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!path.startsWith('/v2')) {
      if (opts.authorizer && (await opts.authorizer.handle(req, res))) return;
      res.writeHead(404).end();
      return;
    }
    if (opts.authorizer) {
      const d = await opts.authorizer.authorize(req.headers, accessFor(req.method ?? 'GET', req.url ?? '/'));
      if (!d.ok) {
        const body = JSON.stringify({ errors: [{ code: d.code, message: d.message, detail: d.detail }] });
        res.writeHead(d.status, {
          ...d.headers,
          'Content-Type': 'application/json',
          'Docker-Distribution-API-Version': 'registry/2.0',
        });
        res.end(body);
        req.resume();
        return;
      }
    }
    opts.backend(req, res);
  };
  const server: Server = opts.tls ? createHttpsServer(opts.tls, serve) : createHttpServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    host: `127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A read-only registry holding one image, `<any name>:latest`: an empty layer and its config. */
export function fakeRegistry(): { handler: Handler; manifestDigest: string } {
  const emptyTar = Buffer.alloc(1024);
  const layer = gzipSync(emptyTar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: [sha256(emptyTar)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: sha256(layer),
          size: layer.length,
        },
      ],
    }),
  );
  const blobs = new Map([
    [sha256(config), config],
    [sha256(layer), layer],
  ]);
  const manifestDigest = sha256(manifest);
  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    type: string,
    body: Buffer,
    digest?: string,
  ) => {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': body.length,
      'Docker-Distribution-API-Version': 'registry/2.0',
      ...(digest ? { 'Docker-Content-Digest': digest } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const handler: Handler = (req, res) => {
    req.resume();
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(
        req,
        res,
        405,
        'application/json',
        json({ errors: [{ code: 'UNSUPPORTED', message: 'read-only' }] }),
      );
      return;
    }
    if (path === '/v2/' || path === '/v2') return send(req, res, 200, 'application/json', json({}));
    if (path === '/v2/_catalog')
      return send(req, res, 200, 'application/json', json({ repositories: ['fake/image'] }));
    const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\/(.+)$/.exec(path);
    if (m && m[2] === 'tags' && m[3] === 'list') {
      return send(req, res, 200, 'application/json', json({ name: m[1], tags: ['latest'] }));
    }
    if (m && m[2] === 'manifests' && (m[3] === 'latest' || m[3] === manifestDigest)) {
      return send(req, res, 200, 'application/vnd.oci.image.manifest.v1+json', manifest, manifestDigest);
    }
    const blob = m && m[2] === 'blobs' ? blobs.get(m[3]) : undefined;
    if (blob) return send(req, res, 200, 'application/octet-stream', blob, m![3]);
    send(
      req,
      res,
      404,
      'application/json',
      json({ errors: [{ code: 'NAME_UNKNOWN', message: 'not here' }] }),
    );
  };
  return { handler, manifestDigest };
}

/** Pass requests on to the registry at `port`, as they came (the Host too, so its Location headers point at us). */
export function proxyTo(port: number): Handler {
  return (req, res) => {
    const headers = { ...req.headers };
    delete headers.authorization;
    const upstream = request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent: false },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    });
    req.pipe(upstream);
  };
}

export const DOCKER_REGISTRY = '/usr/bin/docker-registry';

/** A free loopback port (listen on 0, close); the caller binds it right away. */
export async function freePort(): Promise<number> {
  const s = createHttpServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

export interface DistributionRegistry {
  readonly port: number;
  readonly child: ChildProcess;
  readonly output: () => string;
  stop(): Promise<void>;
}

/**
 * Start Debian's distribution registry on a free loopback port with storage under
 * `dir`; `auth` is the YAML of its `auth:` section, if any. Stopped by its PID.
 */
export async function startDistribution(dir: string, auth?: string): Promise<DistributionRegistry> {
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: berth-test-secret',
      ...(auth ? ['auth:', ...auth.split('\n').map((l) => `  ${l}`)] : []),
      '',
    ].join('\n'),
  );
  const child = spawn(DOCKER_REGISTRY, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let gone = false;
  exited.then(() => {
    gone = true;
  });
  await waitFor(async () => {
    if (gone) throw new Error(`docker-registry exited:\n${output}`);
    return fetch(`http://127.0.0.1:${port}/v2/`).then(
      () => true,
      () => false,
    );
  }, 'docker-registry to listen');
  return {
    port,
    child,
    output: () => output,
    stop: async () => {
      if (!gone) child.kill('SIGTERM');
      await exited;
    },
  };
}
