// The one pass over an image archive: every file member goes into the content
// store as it streams past, hashed while written, so nothing large is ever held
// in memory or written twice. A member named `blobs/<alg>/<hex>` must hash to
// that digest; any other file is committed under whatever digest it has and
// remembered by its path, since in a docker-archive only manifest.json (which
// may come last) says what the file is. The few top-level JSON documents that
// describe the archive are kept in memory instead, with a size limit.
//
// With `stage`, a member large enough to be a layer worth it also streams to
// `stage` as it is stored (the two at the pace of the slower), which unpacks it
// if it is one (unpack.ts stageLayer): the load then has nothing left to read.
import { randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { ContentStore } from '../../content/content-store.ts';
import { INDEX_FILE, OCI_LAYOUT_FILE } from '../../content/index.ts';
import { decompressStream } from '../../layer/index.ts';
import { algorithmOf, type Digest, Digester, isDigest } from '../../oci/digest.ts';
import type { Compression } from '../../oci/media-types.ts';
import { BerthError, isBerthError } from '../../util/errors.ts';
import { tee } from '../../util/tee.ts';
import type { Lease } from '../lease.ts';
import type { StagedLayer } from '../unpack.ts';
import { DOCKER_MANIFEST_FILE, REPOSITORIES_FILE } from './docker-manifest.ts';
import { normalizeMemberPath, symlinkTarget } from './member-path.ts';
import { HeadSniffer } from './sniff-compression.ts';

/** The archive's own JSON documents, held in memory rather than stored as blobs. */
const DOCUMENTS = new Set([DOCKER_MANIFEST_FILE, INDEX_FILE, OCI_LAYOUT_FILE, REPOSITORIES_FILE]);

/** The most an archive's own JSON document may hold. */
export const MAX_ARCHIVE_DOCUMENT_SIZE = 8 << 20;

export interface ArchiveFile {
  path: string;
  digest: Digest;
  size: number;
  /** What its first bytes say. */
  compression: Compression;
  /** The layer `stage` unpacked from it, if it did. */
  staged?: StagedLayer;
}

export interface ExtractOptions {
  /**
   * Unpack a member while it is stored. It may give up on its stream (destroy
   * it: the store side goes on), and it owns what it unpacked (removes it when
   * the load does not use it).
   */
  stage?: (body: Readable) => Promise<StagedLayer | undefined>;
}

/** Smaller members are not staged: unpacking them afterwards costs next to nothing. */
const STAGE_MIN_BYTES = 64 * 1024;

export interface ExtractedArchive {
  /** Regular files, by normalised member name, all committed to the content store. */
  files: Map<string, ArchiveFile>;
  /** Symbolic and hard links: member name → target member name (undefined: points outside). */
  links: Map<string, string | undefined>;
  /** manifest.json, index.json, oci-layout, repositories, when present. */
  documents: Map<string, Buffer>;
}

/**
 * Read a whole archive (plain tar, or gzip/zstd-compressed tar) into the content
 * store. Every blob committed is added to `lease`. A damaged archive rejects;
 * what was committed until then is unnamed and the caller collects it.
 */
export async function extractArchive(
  content: ContentStore,
  source: Readable,
  lease: Lease,
  opts: ExtractOptions = {},
): Promise<ExtractedArchive> {
  const out: ExtractedArchive = {
    files: new Map(),
    links: new Map(),
    documents: new Map(),
  };
  const seen = new Set<string>();
  const extract = tar.extract();
  let streamError: unknown;
  const feeding = pipeline(source, decompressStream('auto'), extract).catch((err) => {
    streamError ??= err;
  });
  const entries = extract[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await entries.next().catch((err) => {
        throw unreadable(err);
      });
      if (next.done) break;
      await takeMember(next.value);
    }
  } catch (err) {
    source.destroy();
    extract.destroy();
    await feeding;
    throw err;
  }
  await feeding;
  if (streamError) throw unreadable(streamError);
  return out;

  async function takeMember(entry: TarEntry): Promise<void> {
    const { header } = entry;
    const name = normalizeMemberPath(header.name);
    if (header.type === 'directory') return drain(entry);
    if (name === '' || seen.has(name)) {
      throw new BerthError(
        'InvalidArgument',
        name === ''
          ? `archive member ${JSON.stringify(header.name)} names the archive's root as a file`
          : `archive has two members named ${JSON.stringify(name)}; refusing an ambiguous archive`,
      );
    }
    seen.add(name);
    switch (header.type) {
      case 'symlink':
        out.links.set(name, symlinkTarget(name, header.linkname ?? ''));
        return drain(entry);
      case 'link':
        out.links.set(name, normalizeMemberPath(header.linkname ?? '', `hard link target of ${name}`));
        return drain(entry);
      case 'file':
      case 'contiguous-file': {
        const body = bodyOf(entry);
        if (DOCUMENTS.has(name)) {
          out.documents.set(name, await readDocument(body, name));
          return;
        }
        const size = header.size ?? 0;
        const stage = size >= STAGE_MIN_BYTES ? opts.stage : undefined;
        out.files.set(name, await ingestMember(content, body, name, size, lease, stage));
        return;
      }
      default:
        throw new BerthError(
          'InvalidArgument',
          `archive member ${JSON.stringify(name)} is a ${header.type}; an image archive holds only files, directories and links`,
        );
    }
  }
}

/** A tar-stream entry: a streamx stream, which is async-iterable though its types do not say so. */
type TarEntry = { header: tar.Header };

/** The entry as a Node stream: a tar stream that ends inside the entry fails it. */
const bodyOf = (entry: TarEntry) =>
  Readable.from(entry as unknown as AsyncIterable<Buffer>, { objectMode: false });

async function drain(entry: TarEntry): Promise<void> {
  try {
    for await (const _chunk of bodyOf(entry));
  } catch (err) {
    throw unreadable(err);
  }
}

/**
 * The digest a member's name claims, for `blobs/<alg>/<hex>`; undefined for
 * any other name. A name under blobs/ that is not a digest is refused.
 */
export function blobDigestOf(name: string): Digest | undefined {
  const m = /^blobs\/([^/]+)\/([^/]+)$/.exec(name);
  if (!m) return undefined;
  const digest = `${m[1]}:${m[2]}`;
  if (!isDigest(digest)) {
    throw new BerthError(
      'InvalidArgument',
      `archive member ${JSON.stringify(name)} is under blobs/ but is not named by a sha256 or sha512 digest`,
    );
  }
  return digest;
}

async function readDocument(body: Readable, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > MAX_ARCHIVE_DOCUMENT_SIZE) break;
      chunks.push(chunk);
    }
  } catch (err) {
    throw unreadable(err);
  }
  if (size > MAX_ARCHIVE_DOCUMENT_SIZE) {
    throw new BerthError(
      'InvalidArgument',
      `archive member ${name} is larger than ${MAX_ARCHIVE_DOCUMENT_SIZE >> 20} MiB, more than an archive's ${name} may hold`,
    );
  }
  return Buffer.concat(chunks);
}

async function ingestMember(
  content: ContentStore,
  body: Readable,
  name: string,
  size: number,
  lease: Lease,
  stage?: ExtractOptions['stage'],
): Promise<ArchiveFile> {
  const claimed = blobDigestOf(name);
  const sniffer = new HeadSniffer();
  if (claimed) {
    // Held before anything is written, so a collection cannot take it meanwhile.
    lease.add(claimed);
    if (await content.has(claimed)) {
      // Already stored: check the member against its name without writing it again.
      const digester = new Digester(algorithmOf(claimed));
      await pipeline(body, sniffer, digester, new Writable({ write: (_chunk, _enc, cb) => cb() })).catch(
        (err) => {
          throw unreadable(err);
        },
      );
      if (digester.digest() !== claimed) throw mismatch(name, claimed, digester.digest());
      return { path: name, digest: claimed, size: digester.size, compression: sniffer.compression() };
    }
  }
  const want = claimed ? { digest: claimed, size } : { size };
  const ingest = await content.ingest(`load-${randomUUID()}`, want);
  // A tar stream that ends inside this member fails `body`: that, not the
  // ingest's wrapping of it, is what to report.
  let bodyError: unknown;
  const flowing = pipeline(body, sniffer).catch((err) => {
    bodyError = err;
  });
  const [toStore, toStage] = stage ? tee(sniffer, 2) : [sniffer];
  const staging = toStage && stage ? stage(toStage) : Promise.resolve(undefined);
  try {
    const [, staged] = await Promise.all([ingest.write(toStore), staging]);
    await flowing;
    if (bodyError) throw unreadable(bodyError);
    const blob = await ingest.commit(want);
    lease.add(blob.digest);
    return {
      path: name,
      digest: blob.digest,
      size: blob.size,
      compression: sniffer.compression(),
      ...(staged ? { staged } : {}),
    };
  } catch (err) {
    toStage?.destroy();
    // The caller's stage keeps what it unpacked, and removes what the load does not use.
    await staging.catch(() => undefined);
    body.destroy();
    await flowing;
    await ingest.abort().catch(() => undefined);
    if (bodyError) throw unreadable(bodyError);
    if (claimed && isBerthError(err, 'DigestMismatch')) throw mismatch(name, claimed, err);
    throw err;
  }
}

function mismatch(name: string, claimed: Digest, actualOrCause: Digest | unknown): BerthError {
  const actual = typeof actualOrCause === 'string' ? `: its content hashes to ${actualOrCause}` : '';
  return new BerthError(
    'DigestMismatch',
    `archive member ${name} does not hash to the digest its name says (${claimed})${actual}; the archive is damaged`,
    typeof actualOrCause === 'string' ? undefined : { cause: actualOrCause },
  );
}

/** A failure to read the archive itself, in words that say what happened to it. */
function unreadable(err: unknown): BerthError {
  const detail = err instanceof Error ? err.message : String(err);
  return new BerthError(
    'InvalidArgument',
    `the archive could not be read (${detail}): it is truncated, damaged, or not a tar stream (plain, gzip or zstd)`,
    { cause: err },
  );
}
