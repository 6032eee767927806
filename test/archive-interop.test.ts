// berth's image archives against skopeo and umoci: what berth saves, they read
// as docker-archive and as oci-archive; what they write from it, berth loads
// back as the same image; and umoci unpacks the same files berth was given.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadArchive } from '../src/image/archive/load.ts';
import { saveImages } from '../src/image/archive/save.ts';
import {
  addLayeredImage,
  busyboxTarball,
  collect,
  importBusybox,
  type TempStore,
  tempStore,
} from '../src/image/archive/testing/fixtures.ts';
import type { ImageRecord } from '../src/image/image-store.ts';
import { busyboxMissing } from './helpers/busybox.ts';

function missing(tool: string, why: string): string | undefined {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${tool} is not installed (apt-get install ${tool}): ${why}`;
  }
}

const skip = missing('skopeo', 'the archive interop tests need skopeo') ?? busyboxMissing();
const umociMissing = missing('umoci', 'the unpack comparison needs umoci');

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const skopeo = (...args: string[]) => execFileSync('skopeo', args, { encoding: 'utf8', maxBuffer: 64 << 20 });

/** A directory tree as comparable lines: path, type, mode, owner, and content hash or link target. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const full = join(root, path);
      const st = lstatSync(full);
      const mode = (st.mode & 0o7777).toString(8);
      const owner = `${st.uid}:${st.gid}`;
      if (st.isSymbolicLink()) out.push(`${path} link ${owner} -> ${readlinkSync(full)}`);
      else if (st.isDirectory()) {
        out.push(`${path} dir ${mode} ${owner}`);
        walk(path);
      } else out.push(`${path} file ${mode} ${owner} ${sha256(readFileSync(full))}`);
    }
  };
  walk('');
  return out;
}

describe('image archives with skopeo and umoci', { skip }, () => {
  let work: string;
  let a: TempStore;
  let busybox: ImageRecord;
  let layered: ImageRecord;
  /** berth's archives: of busybox (one plain layer) and of hello:1 (plus a gzip layer). */
  let busyboxArchive: string;
  let helloArchive: string;
  const fresh: TempStore[] = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-archive-interop-'));
    a = await tempStore();
    busybox = await importBusybox(a.store, busyboxTarball(work));
    layered = await addLayeredImage(a.store, busybox, 'hello:1');
    busyboxArchive = join(work, 'busybox.berth.tar');
    helloArchive = join(work, 'hello.berth.tar');
    writeFileSync(busyboxArchive, await collect(saveImages(a.store, ['busybox:latest'])));
    writeFileSync(helloArchive, await collect(saveImages(a.store, ['hello:1'])));
  });
  after(() => {
    a?.close();
    for (const t of fresh) t.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function loadFresh(file: string) {
    const t = await tempStore();
    fresh.push(t);
    const { loaded } = await loadArchive(t.store, createReadStream(file));
    return { store: t.store, loaded };
  }

  test('skopeo reads berth save output as a docker-archive', async () => {
    // skopeo presents a docker-archive's layers uncompressed, by diff ID, whatever their files hold.
    const config = await a.store.readConfig(layered);
    const raw = JSON.parse(skopeo('inspect', '--raw', `docker-archive:${helloArchive}`));
    assert.equal(raw.config.digest, layered.id);
    assert.deepEqual(
      raw.layers.map((l: { digest: string }) => l.digest),
      config.rootfs.diff_ids,
    );
    assert.equal(
      sha256(skopeo('inspect', '--config', '--raw', `docker-archive:${helloArchive}`)),
      layered.id,
    );
    const info = JSON.parse(skopeo('inspect', `docker-archive:${busyboxArchive}`));
    assert.equal(info.Os, 'linux');
    assert.deepEqual(info.Layers, (await a.store.readConfig(busybox)).rootfs.diff_ids);
  });

  test('skopeo reads berth save output as an oci-archive, with the same manifest', () => {
    const manifest = skopeo('inspect', '--raw', `oci-archive:${helloArchive}`);
    assert.equal(sha256(manifest), layered.manifest.digest);
    assert.equal(sha256(skopeo('inspect', '--config', '--raw', `oci-archive:${helloArchive}`)), layered.id);
    const info = JSON.parse(skopeo('inspect', `oci-archive:${busyboxArchive}`));
    assert.equal(info.Digest, busybox.manifest.digest);
  });

  test("a docker-archive written by skopeo from berth's archive loads back as the same image", async () => {
    const out = join(work, 'hello.skopeo-docker.tar');
    skopeo('copy', '--quiet', `docker-archive:${helloArchive}`, `docker-archive:${out}:hello:1`);
    const { store, loaded } = await loadFresh(out);
    assert.deepEqual(loaded, [{ name: 'docker.io/library/hello:1', id: layered.id }]);
    assert.deepEqual(store.get(layered.id)?.tags, ['docker.io/library/hello:1']);
  });

  test("an oci-archive written by skopeo from berth's archive loads back with the same ID and manifest digest", async () => {
    const out = join(work, 'hello.skopeo-oci.tar');
    // Without --preserve-digests skopeo gzips the uncompressed base layer, which makes a new manifest.
    skopeo(
      'copy',
      '--quiet',
      '--preserve-digests',
      `oci-archive:${helloArchive}`,
      `oci-archive:${out}:hello:1`,
    );
    const { store, loaded } = await loadFresh(out);
    assert.deepEqual(loaded, [{ name: 'docker.io/library/hello:1', id: layered.id }]);
    assert.deepEqual(store.get(layered.id)?.manifest, layered.manifest);
  });

  test("umoci unpacks what skopeo copied out of berth's oci-archive into the files of the rootfs", {
    skip: umociMissing,
  }, () => {
    const layout = join(work, 'umoci-layout');
    const bundle = join(work, 'umoci-bundle');
    skopeo('copy', '--quiet', '--preserve-digests', `oci-archive:${busyboxArchive}`, `oci:${layout}:busybox`);
    execFileSync('umoci', ['unpack', '--image', `${layout}:busybox`, bundle], { stdio: 'pipe' });
    const want = tree(join(work, 'rootfs'));
    assert.ok(
      want.some((l) => l.startsWith('bin/busybox file')),
      'the rootfs has busybox',
    );
    assert.deepEqual(tree(join(bundle, 'rootfs')), want);
  });
});
