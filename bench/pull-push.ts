// `docker pull` and `docker push` of a multi-layer image (256 MiB in 3 gzip
// layers by default) from and to Debian's distribution registry on loopback:
// `berth pull` / `berth push` through a berth daemon, and berth's pullImage /
// pushImage (what berthd runs) in this process, against skopeo copying between the
// registry and an OCI layout (berth's own store, read directly, for the push),
// and against a real dockerd when one can be started here (on private
// directories, no bridge, no iptables; stopped by its PID at the end).
//
// A pull is timed into a fresh store (berth; `berth pull` into a daemon started
// on a fresh root for each run, outside the timing) / layout (skopeo) / after an rmi
// (docker); berth and docker also unpack every layer, skopeo does not. A push
// is timed into a fresh registry each run, so no blob is already there and
// nothing can be mounted. docker re-compresses layers it pushes (it keeps
// uncompressed layers); berth and skopeo send the stored blobs as they are.
//
//   node --import tsx bench/pull-push.ts
//   env: BENCH_PULL_MB (default 256: MiB of layer content), BENCH_PULL_LAYERS (3), BENCH_RUNS, BENCH_DIR
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { DistributionService } from '../src/distribution/distribution-service.ts';
import { pullImage } from '../src/distribution/pull.ts';
import { pushImage } from '../src/distribution/push.ts';
import { defaultRegistryConfig } from '../src/distribution/registry-config.ts';
import { writeImage } from '../src/image/write-image.ts';
import { type Digest, digestOf } from '../src/oci/digest.ts';
import { MediaType } from '../src/oci/media-types.ts';
import { hostPlatform } from '../src/oci/platform.ts';
import { ensureBuilt, runBerth, type TempDirs, TestDaemon, tempDirs } from '../test/helpers/berth.ts';
import { registryMissing, TestRegistry } from '../test/helpers/registry.ts';
import { prng } from './fixtures.ts';
import {
  type BenchStore,
  header,
  IMAGE_NAME,
  main,
  measure,
  median,
  openStore,
  type Row,
  remove,
  type Side,
  sh,
  tempDir,
  toolVersion,
} from './harness.ts';

const MB = Number(process.env.BENCH_PULL_MB ?? 256);
const LAYERS = Math.max(1, Number(process.env.BENCH_PULL_LAYERS ?? 3));

interface Layer {
  bytes: Buffer;
  diffId: Digest;
}

/** Layers of files whose contents are half text-like, half noise (about 2x under gzip), gzipped. */
async function makeLayers(): Promise<Layer[]> {
  const rand = prng(0x9e11);
  const perLayer = Math.round((MB * 1024 * 1024) / LAYERS);
  const words = 'the of registry layer blob digest manifest push pull image config tag repository '.split(
    ' ',
  );
  const out: Layer[] = [];
  for (let l = 0; l < LAYERS; l++) {
    const pack = tar.pack();
    for (let written = 0, n = 0; written < perLayer; n++) {
      const size = Math.min(perLayer - written, 256 << 10);
      const body = Buffer.alloc(size);
      if (n % 2) {
        for (let i = 0; i + 4 <= size; i += 4)
          body.writeUInt32LE(rand() < 0.3 ? 0 : (rand() * 2 ** 32) >>> 0, i);
      } else {
        let at = 0;
        while (at < size) at += body.write(`${words[Math.floor(rand() * words.length)]} `, at);
      }
      pack.entry({ name: `layer${l}/file${n}`, mode: 0o644, mtime: new Date(0) }, body);
      written += size;
    }
    pack.finalize();
    const parts: Buffer[] = [];
    for await (const c of pack) parts.push(c as Buffer);
    const plain = Buffer.concat(parts);
    out.push({ bytes: gzipSync(plain), diffId: digestOf(plain) });
  }
  return out;
}

/** A dockerd of our own, or why there is none. */
class Dockerd {
  private constructor(
    readonly child: ChildProcess,
    readonly socket: string,
  ) {}

  static async start(dir: string): Promise<Dockerd | string> {
    if (!(await toolVersion('dockerd', ['--version']))) return 'dockerd is not installed';
    const socket = join(dir, 'docker.sock');
    const log = openSync(join(dir, 'dockerd.log'), 'a');
    const child = spawn(
      'dockerd',
      [
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'dockerd.pid'),
        '-H',
        `unix://${socket}`,
        '--bridge=none',
        '--iptables=false',
        '--ip6tables=false',
      ],
      { stdio: ['ignore', log, log] },
    );
    const d = new Dockerd(child, socket);
    for (let i = 0; i < 120; i++) {
      if (child.exitCode !== null) return `dockerd exited with ${child.exitCode} (see its log)`;
      if (
        await d.docker('version').then(
          () => true,
          () => false,
        )
      )
        return d;
      await sleep(250);
    }
    await d.stop();
    return 'dockerd did not answer within 30 s';
  }

  docker(...args: string[]) {
    return sh('docker', ['-H', `unix://${this.socket}`, ...args]);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await gone;
    clearTimeout(timer);
  }
}

/** A `berth daemon` on a fresh temporary root, and the berth CLI pointed at it. */
interface BerthSide {
  dirs: TempDirs;
  daemon: TestDaemon;
}

async function startBerthd(): Promise<BerthSide> {
  const dirs = await tempDirs('berth-bench-pull-push-');
  try {
    return { dirs, daemon: await TestDaemon.start({ root: dirs.root, state: dirs.state }) };
  } catch (err) {
    await dirs.cleanup();
    throw err;
  }
}

async function stopBerthd(side: BerthSide | undefined): Promise<void> {
  if (!side) return;
  await side.daemon.stop();
  await side.dirs.cleanup();
}

async function berthCli(side: BerthSide, ...args: string[]): Promise<void> {
  const r = await runBerth(['-H', `unix://${side.dirs.socket}`, ...args], {}, { timeoutMs: 900_000 });
  if (r.code !== 0) throw new Error(`berth ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
}

export async function benchPullPush(): Promise<Row[]> {
  const missing = registryMissing();
  if (missing) throw new Error(missing);
  const skopeo = await toolVersion('skopeo');
  const work = await tempDir('pull-push');
  const layers = await makeLayers();
  const packed = layers.reduce((n, l) => n + l.bytes.length, 0);
  const sourceRoot = join(work, 'source');
  await mkdir(sourceRoot);
  const source = await openStore(sourceRoot);
  const service = await DistributionService.create({ config: defaultRegistryConfig() });
  const seed = await TestRegistry.start();
  const registries: TestRegistry[] = [];
  let dockerd: Dockerd | string = 'not started';
  let puller: BerthSide | undefined;
  let pusher: BerthSide | undefined;
  try {
    ensureBuilt();
    for (const l of layers) await source.store.content.put(l.bytes);
    const p = hostPlatform();
    await writeImage(
      source.store,
      {
        architecture: p.architecture,
        os: p.os,
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      },
      layers.map((l) => ({
        mediaType: MediaType.OciLayerGzip,
        digest: digestOf(l.bytes),
        size: l.bytes.length,
      })),
      { names: [IMAGE_NAME] },
    );
    const [stored] = source.store.resolve(IMAGE_NAME).tags;
    const pullRef = `${seed.host}/bench/image:1`;
    await source.store.tag(IMAGE_NAME, pullRef);
    await pushImage(service, source.store, { reference: pullRef });

    const dockerDir = join(work, 'dockerd');
    await mkdir(dockerDir);
    dockerd = await Dockerd.start(dockerDir);
    const docker = typeof dockerd === 'string' ? undefined : dockerd;
    const dockerVersion = docker
      ? (await docker.docker('version', '--format', '{{.Server.Version}}')).stdout.trim()
      : undefined;

    // ---- pull ----
    let target: BenchStore | undefined;
    const targetRoot = join(work, 'pulled');
    const berthPull: Side = {
      name: 'berth pullImage',
      async setup() {
        await remove(targetRoot);
        await mkdir(targetRoot);
        target = await openStore(targetRoot);
      },
      async run(phases) {
        // When the last layer has arrived and been verified: the figure to set beside skopeo's.
        const started = performance.now();
        let layersLeft = layers.length;
        await pullImage(service, target!.store, {
          reference: pullRef,
          onProgress: (m) => {
            if (m.status === 'Download complete' && --layersLeft === 0) {
              phases.downloaded = (performance.now() - started) / 1000;
            }
          },
        });
      },
      async teardown() {
        target?.close();
        await remove(targetRoot);
      },
    };
    const berthCliPull: Side = {
      name: 'berth pull (CLI, daemon)',
      async setup() {
        puller = await startBerthd();
      },
      run: () => berthCli(puller!, 'pull', '--quiet', pullRef),
      async teardown() {
        await stopBerthd(puller);
        puller = undefined;
      },
    };
    const layout = join(work, 'skopeo-layout');
    const skopeoPull: Side = {
      name: 'skopeo copy docker: oci:',
      setup: () => remove(layout),
      async run() {
        await sh('skopeo', [
          'copy',
          '--quiet',
          '--src-tls-verify=false',
          `docker://${pullRef}`,
          `oci:${layout}:1`,
        ]);
      },
      teardown: () => remove(layout),
    };
    const dockerPull: Side = {
      name: 'docker pull',
      async run() {
        await docker!.docker('pull', '--quiet', pullRef);
      },
      async teardown() {
        await docker!.docker('rmi', '--force', pullRef);
      },
    };

    // ---- push ----
    let pushTo: TestRegistry | undefined;
    const freshRegistry = async () => {
      pushTo = await TestRegistry.start();
      registries.push(pushTo);
    };
    const dropRegistry = async () => {
      await pushTo?.stop();
    };
    const berthPush: Side = {
      name: 'berth pushImage',
      async setup() {
        await freshRegistry();
        await source.store.tag(IMAGE_NAME, `${pushTo!.host}/bench/pushed:1`);
      },
      async run() {
        await pushImage(service, source.store, { reference: `${pushTo!.host}/bench/pushed:1` });
      },
      async teardown() {
        await source.store.remove(`${pushTo!.host}/bench/pushed:1`);
        await dropRegistry();
      },
    };
    const berthCliPush: Side = {
      name: 'berth push (CLI, daemon)',
      async setup() {
        await freshRegistry();
        await berthCli(pusher!, 'tag', pullRef, `${pushTo!.host}/bench/pushed:1`);
      },
      run: () => berthCli(pusher!, 'push', '--quiet', `${pushTo!.host}/bench/pushed:1`),
      async teardown() {
        await berthCli(pusher!, 'rmi', `${pushTo!.host}/bench/pushed:1`);
        await dropRegistry();
      },
    };
    const skopeoPush: Side = {
      name: 'skopeo copy oci: docker:',
      setup: freshRegistry,
      async run() {
        await sh('skopeo', [
          'copy',
          '--quiet',
          '--dest-tls-verify=false',
          `oci:${join(sourceRoot, 'content')}:${stored}`,
          `docker://${pushTo!.host}/bench/pushed:1`,
        ]);
      },
      teardown: dropRegistry,
    };
    const dockerPush: Side = {
      name: 'docker push',
      async setup() {
        await freshRegistry();
        await docker!.docker('pull', '--quiet', pullRef);
        await docker!.docker('tag', pullRef, `${pushTo!.host}/bench/pushed:1`);
      },
      async run() {
        await docker!.docker('push', '--quiet', `${pushTo!.host}/bench/pushed:1`);
      },
      async teardown() {
        await docker!.docker('rmi', '--force', `${pushTo!.host}/bench/pushed:1`, pullRef);
        await dropRegistry();
      },
    };

    header('pull and push: a multi-layer image to and from a local distribution registry', [
      `image: ${LAYERS} gzip layers, ${MB} MiB of content, ${(packed / 1048576).toFixed(1)} MiB as pushed`,
      `skopeo: ${skopeo ?? 'not installed'}; docker: ${docker ? `dockerd ${dockerVersion} on private dirs` : dockerd}`,
      `registry: ${seed.url} (docker-registry, filesystem storage, plain HTTP on loopback)`,
      "berth pull / berth push (CLI) go through a berth daemon (bin/berth, the built bundle); 'berth pullImage / pushImage' are the library calls in this process",
    ]);
    console.log('  -- pull --');
    const pullTimes = await measure([
      berthCliPull,
      berthPull,
      ...(skopeo ? [skopeoPull] : []),
      ...(docker ? [dockerPull] : []),
    ]);
    console.log('  -- push --');
    // The daemon `berth push` reads from: the image pulled into it once.
    pusher = await startBerthd();
    await berthCli(pusher, 'pull', '--quiet', pullRef);
    const pushTimes = await measure([
      berthCliPush,
      berthPush,
      ...(skopeo ? [skopeoPush] : []),
      ...(docker ? [dockerPush] : []),
    ]);

    const t = (times: Map<string, number[]>, side: Side) => median(times.get(side.name));
    const noDocker = typeof dockerd === 'string' ? `no docker: ${dockerd}` : undefined;
    const noSkopeo = skopeo ? undefined : 'skopeo is not installed: skipped';
    return [
      {
        operation: 'berth pull (CLI)',
        berth: t(pullTimes, berthCliPull),
        reference: t(pullTimes, skopeoPull),
        referenceTool: 'skopeo copy docker: oci:',
        note:
          noSkopeo ?? 'berth pulls through its daemon and unpacks every layer; skopeo only stores the blobs',
      },
      {
        operation: 'berth pull (CLI)',
        berth: t(pullTimes, berthCliPull),
        reference: t(pullTimes, dockerPull),
        referenceTool: 'docker pull',
        note: noDocker ?? 'both go through a daemon that downloads, verifies and unpacks every layer',
      },
      {
        operation: 'berth push (CLI)',
        berth: t(pushTimes, berthCliPush),
        reference: t(pushTimes, skopeoPush),
        referenceTool: 'skopeo copy oci: docker:',
        note: noSkopeo ?? 'to an empty registry; both send the stored (compressed) blobs as they are',
      },
      {
        operation: 'berth push (CLI)',
        berth: t(pushTimes, berthCliPush),
        reference: t(pushTimes, dockerPush),
        referenceTool: 'docker push',
        note: noDocker ?? 'to an empty registry; docker compresses each layer again before sending it',
      },
      {
        operation: 'pull (registry to store)',
        berth: t(pullTimes, berthPull),
        reference: t(pullTimes, skopeoPull),
        referenceTool: 'skopeo copy docker: oci:',
        note: noSkopeo ?? 'berth also unpacks every layer (ready to run); skopeo only stores the blobs',
      },
      {
        operation: 'pull, until every blob is stored',
        berth: median(pullTimes.get(`${berthPull.name} / downloaded`)),
        reference: t(pullTimes, skopeoPull),
        referenceTool: 'skopeo copy docker: oci:',
        note:
          noSkopeo ??
          "berth's time to its last 'Download complete' (blobs fetched, verified, committed), while unpacking goes on",
      },
      {
        operation: 'pull (registry to store)',
        berth: t(pullTimes, berthPull),
        reference: t(pullTimes, dockerPull),
        referenceTool: 'docker pull',
        note: noDocker ?? 'both download, verify and unpack every layer',
      },
      {
        operation: 'push (store to an empty registry)',
        berth: t(pushTimes, berthPush),
        reference: t(pushTimes, skopeoPush),
        referenceTool: 'skopeo copy oci: docker:',
        note: noSkopeo ?? "skopeo reads berth's store as an OCI layout; both send the blobs as stored",
      },
      {
        operation: 'push (store to an empty registry)',
        berth: t(pushTimes, berthPush),
        reference: t(pushTimes, dockerPush),
        referenceTool: 'docker push',
        note: noDocker ?? 'docker compresses each layer again from its unpacked form before sending it',
      },
    ];
  } finally {
    await stopBerthd(puller);
    await stopBerthd(pusher);
    if (typeof dockerd !== 'string') await dockerd.stop();
    for (const r of registries) await r.stop();
    await seed.stop();
    service.close();
    source.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(benchPullPush);
