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
// A second image holds one 256 MiB gzip layer (random bytes in stored gzip blocks, so the
// blob is the full 256 MiB), written once by streaming. It is gzip so that skopeo
// neither compresses it on push nor changes it on pull; pulls go to `dir:` (blobs as
// they come). Each round, on each server: push it, pull it, then 8 pulls at once (each
// into its own dir). Then 64 keep-alive clients in this process GET its manifest by tag
// for BENCH_LOAD_SECONDS (default 5, after a 1 s warm-up): p50/p99 latency and requests/s.
// The clients share the 2 cores with the server, alike for both. Last, each server's
// VmHWM (peak resident memory) is read from /proc/<pid>/status, after start and at the end.
//
//   node --import tsx bench/registry-push-pull.ts     (env: BENCH_RUNS, BENCH_DIR, BENCH_LOAD_SECONDS)
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
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
const BIG_MIB = 256;
const CONCURRENT_PULLS = 8;
const LOAD_CLIENTS = 64;
const LOAD_SECONDS = Math.max(1, Number(process.env.BENCH_LOAD_SECONDS ?? '5') || 5);
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

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

interface BlobFile {
  digest: string;
  size: number;
  diffId: string;
}

/** Hashes what passes through, counting bytes. */
function hashing(): Transform & { digest(): string; size: number } {
  const h = createHash('sha256');
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      h.update(chunk);
      out.size += chunk.length;
      done(null, chunk);
    },
  });
  const out = Object.assign(t, { size: 0, digest: () => `sha256:${h.digest('hex')}` });
  return out;
}

/**
 * `mib` MiB of random bytes as a gzip stream (stored blocks, level 0) into `file`, streamed,
 * never whole in memory: the blob on the wire is the full size, and gzip so skopeo keeps it as is.
 */
async function writeGzipLayer(file: string, mib: number): Promise<BlobFile> {
  const raw = hashing();
  const gz = hashing();
  async function* chunks() {
    for (let i = 0; i < mib; i++) yield randomBytes(1 << 20);
  }
  await pipeline(chunks(), raw, createGzip({ level: 0 }), gz, createWriteStream(file));
  return { digest: gz.digest(), size: gz.size, diffId: raw.digest() };
}

/** An OCI layout holding one image of one gzip layer of `mib` MiB, as `latest`; returns the layer's size. */
async function makeBigLayout(dir: string, mib: number): Promise<number> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const tmp = join(dir, 'layer.tmp');
  const layer = await writeGzipLayer(tmp, mib);
  await rename(tmp, join(blobs, layer.digest.slice(7)));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
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
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size },
      ],
    }),
  );
  for (const b of [config, manifest]) await writeFile(join(blobs, sha256(b).slice(7)), b);
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
  return layer.size;
}

interface LoadResult {
  requests: number;
  errors: number;
  p50ms: number;
  p99ms: number;
  perSecond: number;
}

/** `clients` keep-alive clients GET `url` back to back: a warm-up second, then `seconds` measured. */
async function manifestLoad(url: string, clients: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const get = () =>
    new Promise<number>((resolveGet, reject) => {
      const req = request(url, { agent, headers: { Accept: MANIFEST_ACCEPT } }, (res) => {
        res.resume();
        res.on('error', reject);
        res.on('end', () => resolveGet(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  const latencies: number[] = [];
  let errors = 0;
  let recording = false;
  const warmEnd = performance.now() + 1000;
  const end = warmEnd + seconds * 1000;
  const client = async () => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) return;
      const status = await get();
      if (!recording) continue;
      latencies.push(performance.now() - t0);
      if (status !== 200) errors++;
    }
  };
  const timer = setTimeout(() => {
    recording = true;
  }, warmEnd - performance.now());
  const measuredFrom = warmEnd;
  try {
    await Promise.all(Array.from({ length: clients }, client));
  } finally {
    clearTimeout(timer);
    agent.destroy();
  }
  const elapsed = (performance.now() - measuredFrom) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return {
    requests: sorted.length,
    errors,
    p50ms: at(0.5),
    p99ms: at(0.99),
    perSecond: sorted.length / elapsed,
  };
}

/** VmHWM (peak resident set) of a process, in MiB. */
async function peakMiB(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Per side, per round: figures that are not durations. */
interface SideStats {
  load: LoadResult[];
  startMiB: number[];
  peakMiB: number[];
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
  layouts: { small: string; big: string },
  stats: SideStats,
  start: (root: string, host: string) => Promise<ServerProcess>,
): Side {
  let server: ServerProcess | undefined;
  const root = join(work, `${name}-root`);
  const pulled = join(work, `${name}-pulled`);
  const bigPulled = (i: number) => join(work, `${name}-big-pulled-${i}`);
  const clean = async () => {
    await remove(root);
    await remove(pulled);
    for (let i = 0; i <= CONCURRENT_PULLS; i++) await remove(bigPulled(i));
  };
  return {
    name,
    async setup() {
      await clean();
      await mkdir(root, { recursive: true });
      server = await start(root, `127.0.0.1:${await freePort()}`);
      stats.startMiB.push(await peakMiB(server.child.pid));
    },
    async run(phases: Phases) {
      const ref = `docker://${server!.host}/bench:latest`;
      await phase(phases, 'push', () =>
        sh('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layouts.small}:latest`, ref]),
      );
      await phase(phases, 'pull', () =>
        sh('skopeo', ['copy', '-q', '--src-tls-verify=false', ref, `oci:${pulled}:latest`]),
      );
      const big = `docker://${server!.host}/big:latest`;
      const pullBig = (i: number) =>
        sh('skopeo', ['copy', '-q', '--src-tls-verify=false', big, `dir:${bigPulled(i)}`]);
      await phase(phases, 'push big', () =>
        sh('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layouts.big}:latest`, big]),
      );
      await phase(phases, 'pull big', () => pullBig(0));
      await remove(bigPulled(0));
      await phase(phases, `pull big x${CONCURRENT_PULLS}`, () =>
        Promise.all(Array.from({ length: CONCURRENT_PULLS }, (_, i) => pullBig(i + 1))),
      );
      for (let i = 1; i <= CONCURRENT_PULLS; i++) await remove(bigPulled(i));
      stats.load.push(
        await manifestLoad(`http://${server!.host}/v2/big/manifests/latest`, LOAD_CLIENTS, LOAD_SECONDS),
      );
      stats.peakMiB.push(await peakMiB(server!.child.pid));
    },
    async teardown() {
      await server?.stop();
      server = undefined;
      await clean();
    },
  };
}

const mb = (bytes: number, seconds: number | undefined) =>
  seconds === undefined ? undefined : bytes / 1e6 / seconds;

/** The figures that are rates, latencies and sizes: berth, reference, berth/reference. */
function printFigures(
  figures: { what: string; berth?: number; reference?: number; better: string; digits?: number }[],
): void {
  const fmt = (x: number | undefined, d: number) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
  const head = ['figure', 'berth', 'reference', 'berth/ref', 'better when'];
  const body = figures.map((f) => [
    f.what,
    fmt(f.berth, f.digits ?? 1),
    fmt(f.reference, f.digits ?? 1),
    f.berth !== undefined && f.reference ? `${(f.berth / f.reference).toFixed(2)}` : '—',
    f.better,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 1 && i <= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  console.log(`\n${line(head)}`);
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
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
  const layouts = { small: join(work, 'layout'), big: join(work, 'big-layout') };
  await makeLayout(layouts.small);
  const bigBytes = await makeBigLayout(layouts.big, BIG_MIB);
  console.log(
    `   big image: one gzip layer of ${BIG_MIB} MiB raw, ${(bigBytes / 1048576).toFixed(1)} MiB as stored; ` +
      `${CONCURRENT_PULLS} concurrent pulls; ${LOAD_CLIENTS} clients x ${LOAD_SECONDS} s of manifest GETs`,
  );
  const stats = new Map<string, SideStats>();
  const statsOf = (name: string) => {
    const s: SideStats = { load: [], startMiB: [], peakMiB: [] };
    stats.set(name, s);
    return s;
  };
  const sides = [side('berth', work, layouts, statsOf('berth'), berthServer)];
  if (distribution)
    sides.push(
      side('distribution', work, layouts, statsOf('distribution'), (root, host) =>
        distributionServer(root, host, work),
      ),
    );
  const times = await measure(sides, RUNS);
  const refTool = `docker-registry ${distribution?.split(' ').pop() ?? '(missing)'}, skopeo copy`;
  const note = distribution ? undefined : `${DOCKER_REGISTRY} is not installed`;
  const small = `${LAYER_MIB.reduce((a, b) => a + b)} MiB, ${LAYER_MIB.length} layers`;
  const big = `${(bigBytes / 1048576).toFixed(0)} MiB gzip layer`;
  const row = (op: string, p: string): Row => ({
    operation: `registry ${op}`,
    berth: median(times.get(`berth / ${p}`)),
    reference: median(times.get(`distribution / ${p}`)),
    referenceTool: refTool,
    note,
  });
  const rows = [
    row(`push: ${small}`, 'push'),
    row(`pull: ${small}`, 'pull'),
    row(`push: ${big}`, 'push big'),
    row(`pull: ${big}`, 'pull big'),
    row(`${CONCURRENT_PULLS} pulls at once: ${big}`, `pull big x${CONCURRENT_PULLS}`),
  ];

  const pick = (name: string, f: (s: SideStats) => number[]) => {
    const s = stats.get(name);
    return s ? median(f(s)) : undefined;
  };
  const both = (f: (s: SideStats) => number[]) => ({
    berth: pick('berth', f),
    reference: pick('distribution', f),
  });
  const rate = (p: string, n: number) => ({
    berth: mb(n * bigBytes, median(times.get(`berth / ${p}`))),
    reference: mb(n * bigBytes, median(times.get(`distribution / ${p}`))),
  });
  console.log(`\n   figures: medians of ${RUNS} round(s); MB = 10^6 bytes of the stored (gzip) layer`);
  printFigures([
    { what: `push ${big}, MB/s`, ...rate('push big', 1), better: 'higher' },
    { what: `pull ${big}, MB/s`, ...rate('pull big', 1), better: 'higher' },
    {
      what: `${CONCURRENT_PULLS} pulls at once, MB/s in all`,
      ...rate(`pull big x${CONCURRENT_PULLS}`, CONCURRENT_PULLS),
      better: 'higher',
    },
    {
      what: `manifest GET, ${LOAD_CLIENTS} clients: p50 ms`,
      ...both((s) => s.load.map((l) => l.p50ms)),
      better: 'lower',
      digits: 2,
    },
    {
      what: `manifest GET, ${LOAD_CLIENTS} clients: p99 ms`,
      ...both((s) => s.load.map((l) => l.p99ms)),
      better: 'lower',
      digits: 2,
    },
    {
      what: `manifest GET, ${LOAD_CLIENTS} clients: requests/s`,
      ...both((s) => s.load.map((l) => l.perSecond)),
      better: 'higher',
      digits: 0,
    },
    {
      what: 'manifest GET: non-200 answers',
      ...both((s) => s.load.map((l) => l.errors)),
      better: '0',
      digits: 0,
    },
    { what: 'server VmHWM after start, MiB', ...both((s) => s.startMiB), better: 'lower' },
    { what: 'server VmHWM at the end of a round, MiB', ...both((s) => s.peakMiB), better: 'lower' },
  ]);
  console.log('');
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(benchRegistry);
