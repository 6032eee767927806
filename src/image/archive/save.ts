// `docker save`: images as one tar stream that is both a docker-archive and an
// OCI image layout (the format of Docker 25+). Blobs are streamed from the
// content store as they are, compressed or not, so the manifests keep their
// digests; manifest.json's Layers point at the same files, which Docker and
// skopeo read whatever their compression. Entry order, modes, owners and
// mtimes (the epoch) are fixed: the same images always give the same bytes.
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { INDEX_FILE, OCI_LAYOUT_FILE } from '../../content/index.ts';
import { algorithmOf } from '../../oci/digest.ts';
import type { ImageStore } from '../image-store.ts';
import { DOCKER_MANIFEST_FILE, REPOSITORIES_FILE } from './docker-manifest.ts';
import {
  blobMember,
  dockerManifest,
  indexDocument,
  OCI_LAYOUT_CONTENT,
  repositoriesDocument,
} from './save-documents.ts';
import { planSave, type SavePlan, selectImages } from './save-plan.ts';

const EPOCH = new Date(0);
const OWNER = { uid: 0, gid: 0, uname: '', gname: '', mtime: EPOCH };

/**
 * The archive of `names` (tags, repositories, image IDs) as a tar stream.
 * Unknown names throw NotFound here, before the stream exists; a blob missing
 * from the store fails the stream before its first byte.
 */
export function saveImages(store: ImageStore, names: string[]): Readable {
  const selected = selectImages(store, names);
  return packing(store, planSave(store, selected));
}

/** Write a planned archive (see planSave) as a tar stream. */
export function packArchive(store: ImageStore, plan: SavePlan): Readable {
  return packing(store, Promise.resolve(plan));
}

function packing(store: ImageStore, plan: Promise<SavePlan>): Readable {
  const pack = tar.pack();
  plan
    .then((p) => writeEntries(store, p, pack))
    .then(
      () => pack.finalize(),
      (err) => pack.destroy(err),
    );
  return Readable.from(pack as unknown as AsyncIterable<Buffer>, { objectMode: false });
}

async function writeEntries(store: ImageStore, plan: SavePlan, pack: tar.Pack): Promise<void> {
  const dirs = ['blobs', ...new Set(plan.blobs.map((b) => `blobs/${algorithmOf(b.digest)}`))];
  for (const dir of dirs) await entry(pack, { name: `${dir}/`, type: 'directory', mode: 0o755 });
  for (const blob of plan.blobs) {
    await streamEntry(
      pack,
      { name: blobMember(blob.digest), size: blob.size, mode: 0o644 },
      store.content.read(blob.digest),
    );
  }
  const repositories = repositoriesDocument(plan.images);
  const files: [string, string][] = [
    [INDEX_FILE, JSON.stringify(indexDocument(plan.images))],
    [DOCKER_MANIFEST_FILE, `${JSON.stringify(dockerManifest(plan.images))}\n`],
    [OCI_LAYOUT_FILE, OCI_LAYOUT_CONTENT],
  ];
  if (repositories) files.push([REPOSITORIES_FILE, `${JSON.stringify(repositories)}\n`]);
  for (const [name, text] of files) await entry(pack, { name, mode: 0o644 }, Buffer.from(text));
}

function entry(pack: tar.Pack, header: Partial<tar.Header> & { name: string }, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (body) pack.entry({ ...OWNER, ...header, size: body.length }, body, done);
    else pack.entry({ ...OWNER, ...header }, done);
  });
}

function streamEntry(
  pack: tar.Pack,
  header: Partial<tar.Header> & { name: string },
  body: Readable,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = pack.entry({ ...OWNER, ...header }, (err) => {
      if (!err) return resolve();
      body.destroy();
      reject(err);
    });
    body.on('error', (err) => {
      sink.destroy(err);
      reject(err);
    });
    body.pipe(sink as unknown as NodeJS.WritableStream);
  });
}
