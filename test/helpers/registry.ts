// Debian's distribution registry (`/usr/bin/docker-registry serve config.yml`)
// for tests: started on a free port of a given address with a temporary storage
// root, optionally with htpasswd users (hashed with bcryptjs) and TLS; stopped
// by its PID and its directory removed. Also a counting proxy to put in front
// of it, so a test can see which requests a client made.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { waitFor } from './berth.ts';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** Why the registry cannot run here, or undefined when it can. */
export const registryMissing = (): string | undefined =>
  existsSync(REGISTRY_BIN) ? undefined : `${REGISTRY_BIN} not found: install Debian's docker-registry`;

export interface RegistryOptions {
  /** The address to listen on (default 127.0.0.1). */
  address?: string;
  /** htpasswd users: name to password. */
  users?: Record<string, string>;
  /** Serve TLS with this certificate and key (PEM files); with clientCas, require client certificates. */
  tls?: { cert: string; key: string; clientCas?: string[] };
}

/** A free TCP port on `address` (the registry takes it a moment later). */
export function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function configYaml(dir: string, addr: string, opts: RegistryOptions): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${addr}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (opts.tls) {
    lines.push('  tls:', `    certificate: ${opts.tls.cert}`, `    key: ${opts.tls.key}`);
    if (opts.tls.clientCas?.length) {
      lines.push('    clientcas:', ...opts.tls.clientCas.map((c) => `      - ${c}`));
    }
  }
  if (opts.users) {
    lines.push('auth:', '  htpasswd:', '    realm: berth-test', `    path: ${join(dir, 'htpasswd')}`);
  }
  return `${lines.join('\n')}\n`;
}

export class TestRegistry {
  private constructor(
    readonly dir: string,
    /** `address:port`, as a reference names it. */
    readonly host: string,
    readonly scheme: 'http' | 'https',
    private readonly child: ChildProcess,
    private readonly output: () => string,
  ) {}

  get url(): string {
    return `${this.scheme}://${this.host}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(opts: RegistryOptions = {}): Promise<TestRegistry> {
    const address = opts.address ?? '127.0.0.1';
    const dir = await mkdtemp(join(tmpdir(), 'berth-registry-'));
    const port = await freePort(address);
    const host = `${address.includes(':') ? `[${address}]` : address}:${port}`;
    if (opts.users) {
      const lines = Object.entries(opts.users).map(([u, p]) => `${u}:${bcrypt.hashSync(p, 5)}`);
      await writeFile(join(dir, 'htpasswd'), `${lines.join('\n')}\n`);
    }
    const config = join(dir, 'config.yml');
    await writeFile(config, configYaml(dir, host, opts));
    const child = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => {
      output += d;
    });
    child.stderr!.on('data', (d) => {
      output += d;
    });
    let exited = false;
    child.on('exit', () => {
      exited = true;
    });
    const registry = new TestRegistry(dir, host, opts.tls ? 'https' : 'http', child, () => output);
    try {
      await waitFor(async () => exited || (await answers(registry.url)), `the registry on ${host}`, 20_000);
      if (exited) throw new Error(`docker-registry exited before serving:\n${output}`);
    } catch (err) {
      await registry.stop();
      throw err;
    }
    return registry;
  }

  /** What the registry printed (errors only). */
  get log(): string {
    return this.output();
  }

  /** Stop the registry by its PID and remove its storage. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Whether the registry accepts connections (a TLS one may want a client certificate to say more). */
function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** One request the proxy passed on. */
export interface ProxiedRequest {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * An HTTP proxy on 127.0.0.1 that forwards every request to `target` (an http
 * registry) and records it, so a test can count HEADs, PUTs and mounts.
 */
export class CountingProxy {
  readonly requests: ProxiedRequest[] = [];
  private constructor(
    private readonly server: Server,
    readonly host: string,
  ) {}

  static async start(target: string): Promise<CountingProxy> {
    const upstream = new URL(target);
    let proxy: CountingProxy | undefined;
    const server = createServer((req, res) => {
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
          agent: false,
        },
        (up) => {
          proxy!.requests.push({
            method: req.method ?? '',
            path: req.url ?? '',
            status: up.statusCode ?? 0,
            headers: req.headers,
          });
          // The registry names itself in Location; send the client back through the proxy.
          const headers = { ...up.headers };
          if (typeof headers.location === 'string') {
            headers.location = headers.location.replace(upstream.origin, `http://${proxy!.host}`);
          }
          res.writeHead(up.statusCode ?? 502, headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    proxy = new CountingProxy(server, `127.0.0.1:${port}`);
    return proxy;
  }

  /** The recorded requests with this method whose path matches. */
  count(method: string, path: RegExp): number {
    return this.requests.filter((r) => r.method === method && path.test(r.path)).length;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
