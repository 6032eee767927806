// What the archive tests share: a real image store in a temporary root, the
// busybox test image, a second image stacked on it with a gzip layer, and small
// tar helpers to read archives and to make broken ones.
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { makeBusyboxTarball } from '../../../../test/helpers/busybox.ts';
import type { ImageConfig } from '../../../oci/descriptor.ts';
import { type Digest, digestOf } from '../../../oci/digest.ts';
import { MediaType } from '../../../oci/media-types.ts';
import { type Db, openDatabase } from '../../../util/sqlite.ts';
import type { ImageRecord, ImageStore } from '../../image-store.ts';
import { importRootfs } from '../../import-rootfs.ts';
import { openImageStore } from '../../open.ts';
import { writeImage } from '../../write-image.ts';

export interface TempStore {
  root: string;
  db: Db;
  store: ImageStore;
  close(): void;
}

/** A fresh store under os.tmpdir(); close() removes it. */
export async function tempStore(prefix = 'berth-archive-'): Promise<TempStore> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const db = openDatabase(join(root, 'berth.db'));
  const { store } = await openImageStore({ root, db, driver: 'vfs' });
  return {
    root,
    db,
    store,
    close: () => {
      db.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The busybox rootfs tarball under `work` (made once per directory). */
export function busyboxTarball(work: string): string {
  mkdirSync(work, { recursive: true });
  return makeBusyboxTarball(work, join(work, 'busybox.tar'));
}

export function importBusybox(
  store: ImageStore,
  tarball: string,
  name = 'busybox:latest',
): Promise<ImageRecord> {
  return importRootfs(store, createReadStream(tarball), { name });
}

/** A tar stream of files, built in memory (for small test layers and hand-made archives). */
export async function makeTar(entries: TarMember[]): Promise<Buffer> {
  const pack = tar.pack();
  const done = collect(Readable.from(pack as unknown as AsyncIterable<Buffer>));
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: e.name,
        type: e.type ?? 'file',
        linkname: e.linkname,
        mode: e.type === 'directory' ? 0o755 : 0o644,
        mtime: new Date(0),
      };
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (data) pack.entry(header, data, cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  return done;
}

export interface TarMember {
  name: string;
  data?: Buffer | string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo';
  linkname?: string;
}

export interface ReadMember {
  name: string;
  type: string;
  mtime: Date;
  mode: number;
  data: Buffer;
}

/** Every member of a tar, in order, with its data. */
export async function readTar(bytes: Buffer): Promise<ReadMember[]> {
  const extract = tar.extract();
  const out: ReadMember[] = [];
  extract.end(bytes);
  for await (const entry of extract) {
    const data = await collect(Readable.from(entry as unknown as AsyncIterable<Buffer>));
    const h = entry.header;
    out.push({ name: h.name, type: h.type, mtime: h.mtime, mode: h.mode, data });
  }
  return out;
}

/** Rewrite members of a tar: `change` returns new data, null to drop the member, or undefined to keep it. */
export async function rewriteTar(
  bytes: Buffer,
  change: (m: ReadMember) => Buffer | string | null | undefined,
): Promise<Buffer> {
  const members: TarMember[] = [];
  for (const m of await readTar(bytes)) {
    const next = change(m);
    if (next === null) continue;
    const type = m.type as TarMember['type'];
    members.push({ name: m.name, type, data: type === 'file' ? (next ?? m.data) : undefined });
  }
  return makeTar(members);
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * An image on top of `base` with one more layer, stored gzip-compressed:
 * /hello.txt. It shares base's layer blob, so saving both writes that once.
 */
export async function addLayeredImage(
  store: ImageStore,
  base: ImageRecord,
  name: string,
): Promise<ImageRecord> {
  const plain = await makeTar([{ name: 'hello.txt', data: `hello from ${name}\n` }]);
  const gz = gzipSync(plain);
  const blob = await store.content.put(gz);
  const baseManifest = await store.readManifest(base);
  const baseConfig = await store.readConfig(base);
  const config: ImageConfig = {
    ...baseConfig,
    created: '2024-01-02T03:04:05Z',
    config: { Cmd: ['cat', '/hello.txt'] },
    rootfs: { type: 'layers', diff_ids: [...baseConfig.rootfs.diff_ids, digestOf(plain)] },
    // Go's encoders drop an empty created_by (importRootfs writes one); without it the
    // config survives a re-encoding by skopeo byte for byte, so its digest does too.
    history: [
      ...(baseConfig.history ?? []).map(({ created_by, ...h }) => (created_by ? { ...h, created_by } : h)),
      { created: '2024-01-02T03:04:05Z', created_by: 'test: add hello.txt' },
    ],
  };
  return writeImage(store, config, [...baseManifest.layers, { mediaType: MediaType.OciLayerGzip, ...blob }], {
    names: [name],
  });
}

/** What an archive load may change: images and their names. */
export function imagesAndTags(store: ImageStore): { id: string; tags: string[] }[] {
  return store
    .list()
    .map((i) => ({ id: i.id, tags: i.tags }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export async function blobDigests(store: ImageStore): Promise<Digest[]> {
  const out: Digest[] = [];
  for await (const b of store.content.list()) out.push(b.digest);
  return out.sort();
}
