// Helpers of the registry server's tests: a server in-process on 127.0.0.1 port 0 over a
// temporary root, a server as a process of its own (the `registry serve` command's module
// run directly), raw HTTP requests, and small images to push.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { Authorizer } from '../src/registry/auth/index.ts';
import { Registry, type RegistryLimits } from '../src/registry/registry.ts';
import { RegistryServer } from '../src/registry/server/server.ts';
import { FsRegistryStorage } from '../src/registry/storage/fs-driver.ts';
import { REPO } from './helpers/berth.ts';
import { makeBusyboxTarball } from './helpers/busybox.ts';

export const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface TestRegistry {
  url: string;
  host: string;
  root: string;
  registry: Registry;
  server: RegistryServer;
  logs: string[];
  close(): Promise<void>;
}

export async function startRegistry(
  opts: {
    deleteEnabled?: boolean;
    limits?: Partial<RegistryLimits>;
    authorizer?: Authorizer;
    headers?: Record<string, string[]>;
  } = {},
): Promise<TestRegistry> {
  const root = await mkdtemp(join(tmpdir(), 'berth-registry-test-'));
  const registry = new Registry(new FsRegistryStorage(root), {
    deleteEnabled: opts.deleteEnabled,
    limits: opts.limits,
  });
  const logs: string[] = [];
  const server = await RegistryServer.listen(
    { registry, authorizer: opts.authorizer, headers: opts.headers, log: (l) => logs.push(l) },
    '127.0.0.1',
    0,
  );
  return {
    url: server.url,
    host: `127.0.0.1:${server.address.port}`,
    root,
    registry,
    server,
    logs,
    async close() {
      await server.close(1000);
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read fields of many JSON shapes
  json(): any;
}

/** One HTTP request; `body` may be a stream. No keep-alive, so nothing lingers. */
export function http(
  method: string,
  url: string,
  opts: { headers?: Record<string, string | number>; body?: Buffer | string | Readable } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: opts.headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(parts);
        const text = body.toString();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text,
          json: () => JSON.parse(text),
        });
      });
    });
    req.on('error', reject);
    const body = opts.body;
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

/** The one error code of an OCI error body. */
export const errorCode = (r: Reply): string => r.json().errors?.[0]?.code;

/** Push a blob monolithically (POST, then PUT with the body); returns its digest. */
export async function pushBlob(base: string, name: string, bytes: Buffer | string): Promise<string> {
  const digest = sha256(bytes);
  const start = await http('POST', `${base}/v2/${name}/blobs/uploads/`);
  if (start.status !== 202) throw new Error(`POST upload: ${start.status} ${start.text}`);
  const loc = new URL(String(start.headers.location), base);
  loc.searchParams.set('digest', digest);
  const put = await http('PUT', loc.href, {
    body: bytes,
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  if (put.status !== 201) throw new Error(`PUT upload: ${put.status} ${put.text}`);
  return digest;
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface TestImage {
  config: Buffer;
  layers: Buffer[];
  manifest: Buffer;
  digest: string;
}

/** A small image of random layers, its config and manifest (not yet pushed). */
export function makeImage(
  layerSizes: number[] = [1000, 2000],
  extra: Record<string, unknown> = {},
): TestImage {
  const layers = layerSizes.map((n) => randomBytes(n));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l)) },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: sha256(l),
        size: l.length,
      })),
      ...extra,
    }),
  );
  return { config, layers, manifest, digest: sha256(manifest) };
}

/** Push an image's blobs and its manifest as `name:ref`. */
export async function pushImage(base: string, name: string, ref: string, img: TestImage): Promise<Reply> {
  await pushBlob(base, name, img.config);
  for (const l of img.layers) await pushBlob(base, name, l);
  return http('PUT', `${base}/v2/${name}/manifests/${ref}`, {
    body: img.manifest,
    headers: { 'Content-Type': OCI_MANIFEST },
  });
}

/** A `registry serve` in a process of its own; `url` once it listens. */
export class RegistryProcess {
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private constructor(readonly child: ChildProcess) {
    child.stderr!.on('data', (d) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Start `registry serve` with these options (addr defaults to 127.0.0.1:0). */
  static async start(options: Record<string, string>): Promise<RegistryProcess & { url: string }> {
    const script = `
      const { registryServeCommand } = await import(${JSON.stringify(join(REPO, 'src/cli/commands/registry.ts'))});
      const code = await registryServeCommand.run({
        name: 'registry serve', options: JSON.parse(process.argv[1]), args: [], globals: { debug: false },
        env: process.env, stdout: process.stdout, stderr: process.stderr,
        client: async () => { throw new Error('no daemon client in registry serve'); },
      });
      process.exit(code ?? 0);`;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
        JSON.stringify({ addr: '127.0.0.1:0', ...options }),
      ],
      { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const p = new RegistryProcess(child) as RegistryProcess & { url: string };
    const deadline = Date.now() + 30_000;
    for (;;) {
      const m = / on (https?:\/\/[^\s]+)/.exec(p.stderr);
      if (m) {
        p.url = m[1];
        return p;
      }
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`registry serve did not start:\n${p.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Send a signal (by pid) and wait for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM') {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** The platform's architecture as OCI names it. */
export const ociArch = (): string =>
  ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' })[process.arch as string] ??
  process.arch;

/**
 * An OCI image layout at `dir` holding the busybox test image as `<ref>`: one gzip layer of
 * the busybox rootfs (test/helpers/busybox.ts), its config and manifest. Returns the manifest digest.
 */
export function makeBusyboxLayout(dir: string, work: string, ref = 'latest'): string {
  const tarFile = makeBusyboxTarball(work, join(work, 'layer.tar'));
  const tar = readFileSync(tarFile);
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: ociArch(),
      os: 'linux',
      config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      history: [{ created_by: 'berth registry test: busybox rootfs' }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
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
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of [layer, config, manifest])
    writeFileSync(join(dir, 'blobs', 'sha256', sha256(b).slice(7)), b);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest: sha256(manifest),
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': ref },
        },
      ],
    }),
  );
  return sha256(manifest);
}
