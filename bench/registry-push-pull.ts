// Push and pull of a multi-layer image with skopeo, to berth's registry server
// (`berth registry serve`, run as a process of its own) and to the distribution registry
// (Debian's docker-registry), each on a free loopback port with a fresh temporary root for
// every round. The image is made once: five layers of pseudo-random bytes (about half of
// each layer compressible), 42 MiB in all, in an OCI layout. A round times
//   push: skopeo copy oci:<layout>:latest docker://<registry>/bench:latest
//   pull: skopeo copy docker://<registry>/bench:latest oci:<fresh dir>:latest
// skopeo's own work (reading, hashing, writing the layout) is in both figures alike, so the
// ratio understates the difference between the servers.
//
//   node --import tsx bench/registry-push-pull.ts     (env: BENCH_RUNS, BENCH_DIR)
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadLine,
  main,
  measure,
  median,
  type Phases,
  phase,
  type Row,
  RUNS,
  remove,
  type Side,
  sh,
  tempDir,
  toolVersion,
} from './harness.ts';

const REPO = resolve(fileURLToPath(import.meta.url), '../..');
const LAYER_MIB = [16, 12, 8, 4, 2];
const DOCKER_REGISTRY = '/usr/bin/docker-registry';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** `mib` MiB: blocks of a sha256 chain, every other 64 KiB block repeated (so about half compresses). */
function layerBytes(seed: number, mib: number): Buffer {
  const out = Buffer.alloc(mib << 20);
  let h = createHash('sha256').update(`layer ${seed}`).digest();
  for (let off = 0; off < out.length; off += 32) {
    if ((off >> 16) % 2 === 0) h = createHash('sha256').update(h).digest();
    h.copy(out, off);
  }
  return out;
}

async function makeLayout(dir: string): Promise<void> {
  const layers = LAYER_MIB.map((mib, i) => layerBytes(i, mib));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map(sha256) },
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
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: sha256(l),
        size: l.length,
      })),
    }),
  );
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of [...layers, config, manifest])
    await writeFile(join(dir, 'blobs', 'sha256', sha256(b).slice(7)), b);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sha256(manifest),
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': 'latest' },
        },
      ],
    }),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

/** A registry server process; ready once /v2/ answers. */
class ServerProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly host: string,
  ) {}

  static async start(cmd: string, args: string[], host: string): Promise<ServerProcess> {
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => {
      if (err.length < 100_000) err += d;
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`http://${host}/v2/`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return new ServerProcess(child, host);
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${cmd} did not start:\n${err}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

const BERTH_SCRIPT = `
  const { registryServeCommand } = await import('./src/cli/commands/registry.ts');
  const code = await registryServeCommand.run({
    name: 'registry serve', options: JSON.parse(process.argv[1]), args: [], globals: { debug: false },
    env: process.env, stdout: process.stdout, stderr: process.stderr,
    client: async () => { throw new Error('no client'); },
  });
  process.exit(code ?? 0);`;

function berthServer(root: string, host: string): Promise<ServerProcess> {
  return ServerProcess.start(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', BERTH_SCRIPT, JSON.stringify({ addr: host, root })],
    host,
  );
}

async function distributionServer(root: string, host: string, work: string): Promise<ServerProcess> {
  const config = join(work, 'distribution.yml');
  await writeFile(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${root}\nhttp:\n  addr: ${host}\n`,
  );
  return ServerProcess.start(DOCKER_REGISTRY, ['serve', config], host);
}

function side(
  name: string,
  work: string,
  layout: string,
  start: (root: string, host: string) => Promise<ServerProcess>,
): Side {
  let server: ServerProcess | undefined;
  const root = join(work, `${name}-root`);
  const pulled = join(work, `${name}-pulled`);
  return {
    name,
    async setup() {
      await remove(root);
      await remove(pulled);
      await mkdir(root, { recursive: true });
      server = await start(root, `127.0.0.1:${await freePort()}`);
    },
    async run(phases: Phases) {
      const ref = `docker://${server!.host}/bench:latest`;
      await phase(phases, 'push', () =>
        sh('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:latest`, ref]),
      );
      await phase(phases, 'pull', () =>
        sh('skopeo', ['copy', '-q', '--src-tls-verify=false', ref, `oci:${pulled}:latest`]),
      );
    },
    async teardown() {
      await server?.stop();
      server = undefined;
      await remove(root);
      await remove(pulled);
    },
  };
}

export async function benchRegistry(): Promise<Row[]> {
  const skopeo = await toolVersion('skopeo');
  const distribution = await toolVersion(DOCKER_REGISTRY);
  console.log('\n== registry push and pull (skopeo copy) ==');
  console.log(
    `   image: ${LAYER_MIB.length} layers, ${LAYER_MIB.reduce((a, b) => a + b)} MiB; ${skopeo ?? 'skopeo missing'}; ${distribution ?? 'docker-registry missing'}`,
  );
  console.log('   both servers run as processes on loopback, each round on a fresh empty root');
  console.log(`   ${loadLine()}`);
  if (!skopeo)
    return [
      { operation: 'registry push/pull', referenceTool: 'docker-registry', note: 'skopeo is not installed' },
    ];
  const work = await tempDir('registry');
  const layout = join(work, 'layout');
  await makeLayout(layout);
  const sides = [side('berth', work, layout, berthServer)];
  if (distribution)
    sides.push(side('distribution', work, layout, (root, host) => distributionServer(root, host, work)));
  const times = await measure(sides, RUNS);
  const row = (op: string, p: string): Row => ({
    operation: `registry ${op}: ${LAYER_MIB.reduce((a, b) => a + b)} MiB, ${LAYER_MIB.length} layers`,
    berth: median(times.get(`berth / ${p}`)),
    reference: median(times.get(`distribution / ${p}`)),
    referenceTool: `docker-registry ${distribution?.split(' ').pop() ?? '(missing)'}, skopeo copy`,
    note: distribution ? undefined : `${DOCKER_REGISTRY} is not installed`,
  });
  return [row('push', 'push'), row('pull', 'pull')];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(benchRegistry);
