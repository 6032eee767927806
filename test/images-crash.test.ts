// A daemon killed (SIGKILL) while it loads or imports an image: whatever the kill
// cut short, the next start brings the store back to a consistent state. Checked
// after each restart: every blob index.json reaches is there and nothing else is
// (no half-written blob, no leftover ingest), every snapshot belongs to an image,
// and an image that is listed is whole (it runs and has all its files). The kills
// come at several delays into the operation, so they land before, during or
// after its steps; the checks hold for every outcome. Then the same operation,
// not interrupted, gives the same image.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BERTH_BIN,
  berthOn,
  cleanEnv,
  ensureBuilt,
  run,
  runBerth,
  type TempDirs,
  TestDaemon,
  tempDirs,
  waitFor,
} from './helpers/berth.ts';
import { busyboxMissing, makeBusyboxRootfs } from './helpers/busybox.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (overlayfs)' : busyboxMissing();
const FILES = 1500;
const KILL_AFTER_MS = [40, 150, 300, 500, 800];

describe('a daemon killed while it writes an image', { skip }, () => {
  let dirs: TempDirs;
  let work: string;
  let tarball: string;
  let archive: string;
  let daemon: TestDaemon | undefined;
  const { ok } = berthOn(() => dirs.socket, 120_000);

  /** Start the daemon and wait for its start-up repairs and collection to finish. */
  async function start(): Promise<TestDaemon> {
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    const d = daemon;
    await waitFor(() => d.stderr.includes('garbage collection at start'), 'the start-up collection', 60_000);
    return d;
  }

  /** Run `berth ARGS` and SIGKILL the daemon `delayMs` after it started. */
  async function killDuring(args: string[], delayMs: number): Promise<void> {
    const d = await start();
    const client = spawn(process.execPath, [BERTH_BIN, '-H', `unix://${dirs.socket}`, ...args], {
      env: cleanEnv(),
      stdio: 'ignore',
    });
    const clientExit = new Promise((resolve) => client.once('exit', resolve));
    await sleep(delayMs);
    await d.stop('SIGKILL');
    await clientExit;
  }

  /** The store is consistent (see the header); returns the images listed. */
  async function assertConsistent(): Promise<string[]> {
    const content = join(dirs.root, 'content');
    const index = JSON.parse(readFileSync(join(content, 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    const blob = (digest: string) => join(content, 'blobs', 'sha256', digest.slice('sha256:'.length));
    const reached = new Set<string>();
    for (const m of index.manifests) {
      reached.add(m.digest);
      assert.ok(existsSync(blob(m.digest)), `index.json names ${m.digest}, which is there`);
      const manifest = JSON.parse(readFileSync(blob(m.digest), 'utf8')) as {
        config: { digest: string };
        layers: { digest: string }[];
      };
      for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) reached.add(d);
    }
    const onDisk = readdirSync(join(content, 'blobs', 'sha256')).map((h) => `sha256:${h}`);
    assert.deepEqual(onDisk.sort(), [...reached].sort(), 'the blobs are exactly those the images use');
    const ingests = readdirSync(join(dirs.root, 'ingest')).map(
      (d) => `${d}: ${readdirSync(join(dirs.root, 'ingest', d)).join(' ')}`,
    );
    assert.deepEqual(ingests, [], 'no ingest is left');
    const images = (await ok('images', '-q', '--no-trunc')).split('\n').filter(Boolean);
    const snapshots = readdirSync(join(dirs.root, 'snapshots', 'overlay'));
    assert.equal(snapshots.length, images.length, 'one layer snapshot per (one-layer) image, no other');
    for (const id of images) {
      const files = await ok('run', '--rm', '--network', 'none', id, 'sh', '-c', 'ls /data | wc -l');
      assert.equal(files.trim(), String(FILES), `image ${id} is whole`);
    }
    return images;
  }

  before(async () => {
    ensureBuilt();
    dirs = await tempDirs('berth-images-crash-');
    work = mkdtempSync(join(tmpdir(), 'berth-images-crash-work-'));
    const rootfs = makeBusyboxRootfs(join(work, 'rootfs'));
    mkdirSync(join(rootfs, 'data'));
    for (let i = 0; i < FILES; i++) writeFileSync(join(rootfs, 'data', `f${i}`), randomBytes(40 * 1024));
    tarball = join(work, 'rootfs.tar');
    const tar = await run('tar', ['-cf', tarball, '--numeric-owner', '-C', rootfs, '.'], {});
    assert.equal(tar.code, 0, tar.stderr);
    // The archive to load, saved by a daemon of its own root.
    const maker = await tempDirs('berth-images-crash-maker-');
    const makerDaemon = await TestDaemon.start({ root: maker.root, state: maker.state });
    try {
      const m = (args: string[]) =>
        runBerth(['-H', `unix://${maker.socket}`, ...args], {}, { timeoutMs: 120_000 });
      assert.equal((await m(['import', tarball, 'crash:saved'])).code, 0);
      archive = join(work, 'image.tar');
      assert.equal((await m(['save', '-o', archive, 'crash:saved'])).code, 0);
    } finally {
      await makerDaemon.stop();
      await maker.cleanup();
    }
  });
  after(async () => {
    await daemon?.stop();
    rmSync(work, { recursive: true, force: true });
    await dirs?.cleanup();
  });

  it('load: each restart after a kill finds the store consistent; then the load completes', async () => {
    for (const delay of KILL_AFTER_MS) {
      await killDuring(['load', '-i', archive], delay);
      await start();
      await assertConsistent();
      await daemon?.stop();
    }
    await start();
    await ok('load', '-i', archive);
    assert.equal((await assertConsistent()).length, 1);
    await ok('rmi', 'crash:saved');
    await daemon?.stop();
  });

  it('import: each restart after a kill finds the store consistent; then the import completes', async () => {
    for (const delay of KILL_AFTER_MS) {
      await killDuring(['import', tarball, 'crash:imported'], delay);
      await start();
      await assertConsistent();
      await daemon?.stop();
    }
    await start();
    await ok('import', tarball, 'crash:imported');
    assert.equal((await assertConsistent()).length, 1);
    await daemon?.stop();
  });
});
