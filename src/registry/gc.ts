// Garbage collection of a registry's blobs, offline as distribution's: mark, then sweep.
//
// Mark: every manifest revision of every repository (tagged or not) and every tag's target
// is live, and so is what it references: a manifest's config and layers, an index's child
// manifests. Sweep: every blob under blobs/ that is not marked is deleted, unless it is
// recent: its data, or a repository's link to it, was written less than `graceMs` ago. So a
// push running beside gc is safe: its blobs are fresh when committed (uploads themselves live
// in uploads/, which gc never touches), and a blob mounted or re-pushed just now has a fresh
// link. Last, repositories' links to blobs that no longer exist are removed.
// A manifest that cannot be read stops gc before anything is deleted.
import type { Digest } from '../oci/digest.ts';
import { parseManifestDocument } from '../oci/validate.ts';
import { BerthError } from '../util/errors.ts';
import { isNotFound } from './blob-store.ts';
import { listRepositories } from './catalog.ts';
import {
  BLOBS,
  blobData,
  blobDir,
  digestFromParts,
  layerLink,
  layerLinkDir,
  layersDir,
  revisionLink,
  revisionsDir,
  tagLink,
  tagsDir,
} from './layout.ts';
import type { RegistryStorage } from './storage/driver.ts';

export const DEFAULT_GC_GRACE_MS = 10 * 60_000;

export interface GcOptions {
  dryRun?: boolean;
  /** Blobs written or linked this recently are kept (default 10 minutes). */
  graceMs?: number;
  now?: Date;
  /** One line per blob deleted (or that would be), and warnings. */
  log?: (line: string) => void;
}

export interface GcResult {
  manifests: number;
  marked: number;
  kept: number;
  deleted: { digest: Digest; size: number }[];
  bytes: number;
  linksRemoved: number;
}

async function listOr(storage: RegistryStorage, key: string): Promise<string[]> {
  try {
    return await storage.list(key);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** The digests under a folder of `<alg>/<hex>` entries. */
async function digestsUnder(storage: RegistryStorage, dir: string): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const alg of await listOr(storage, dir)) {
    for (const hex of await listOr(storage, `${dir}/${alg}`)) {
      const d = digestFromParts(alg, hex);
      if (d) out.push(d);
    }
  }
  return out;
}

async function mtimeOf(storage: RegistryStorage, key: string): Promise<number | undefined> {
  try {
    return (await storage.stat(key)).modTime.getTime();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

class Marker {
  readonly live = new Set<Digest>();
  manifests = 0;
  private readonly seen = new Set<string>();

  constructor(
    private readonly storage: RegistryStorage,
    private readonly log: (line: string) => void,
  ) {}

  async manifest(repository: string, digest: Digest): Promise<void> {
    const key = `${repository}@${digest}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.live.add(digest);
    let bytes: Buffer;
    let mediaType: string | undefined;
    try {
      bytes = await this.storage.getContent(blobData(digest));
      mediaType = JSON.parse(
        (await this.storage.getContent(revisionLink(repository, digest))).toString(),
      ).mediaType;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.log(`warning: ${repository}: manifest ${digest} has no data; nothing to mark under it`);
      return;
    }
    this.manifests++;
    let m: ReturnType<typeof parseManifestDocument>;
    try {
      m = parseManifestDocument(bytes, mediaType);
    } catch (err) {
      throw new BerthError(
        'FailedPrecondition',
        `gc stopped, nothing was deleted: manifest ${digest} of ${repository} cannot be read: ${(err as Error).message}`,
      );
    }
    if (m.kind === 'index') {
      for (const child of m.doc.manifests) await this.manifest(repository, child.digest);
    } else {
      this.live.add(m.doc.config.digest);
      for (const l of m.doc.layers) this.live.add(l.digest);
    }
  }

  async repository(name: string): Promise<void> {
    for (const d of await digestsUnder(this.storage, revisionsDir(name))) await this.manifest(name, d);
    for (const tag of await listOr(this.storage, tagsDir(name))) {
      try {
        const d = (await this.storage.getContent(tagLink(name, tag), 1024)).toString().trim() as Digest;
        if (digestFromParts(...(d.split(':') as [string, string]))) await this.manifest(name, d);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

export async function collectGarbage(storage: RegistryStorage, opts: GcOptions = {}): Promise<GcResult> {
  const log = opts.log ?? (() => {});
  const now = (opts.now ?? new Date()).getTime();
  const grace = opts.graceMs ?? DEFAULT_GC_GRACE_MS;
  const repositories = await listRepositories(storage);

  const marker = new Marker(storage, log);
  for (const r of repositories) await marker.repository(r);

  // The newest link to each blob, and every link, for the grace period and the cleanup.
  const newestLink = new Map<Digest, number>();
  const links: { repository: string; digest: Digest }[] = [];
  for (const r of repositories) {
    for (const d of await digestsUnder(storage, layersDir(r))) {
      links.push({ repository: r, digest: d });
      const t = await mtimeOf(storage, layerLink(r, d));
      if (t !== undefined) newestLink.set(d, Math.max(t, newestLink.get(d) ?? 0));
    }
  }

  const result: GcResult = {
    manifests: marker.manifests,
    marked: marker.live.size,
    kept: 0,
    deleted: [],
    bytes: 0,
    linksRemoved: 0,
  };
  const gone = new Set<Digest>();
  for (const alg of await listOr(storage, BLOBS)) {
    for (const prefix of await listOr(storage, `${BLOBS}/${alg}`)) {
      for (const hex of await listOr(storage, `${BLOBS}/${alg}/${prefix}`)) {
        const digest = digestFromParts(alg, hex);
        if (!digest) continue;
        let size = 0;
        let written = 0;
        try {
          const st = await storage.stat(blobData(digest));
          size = st.size;
          written = st.modTime.getTime();
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        const recent = now - Math.max(written, newestLink.get(digest) ?? 0) < grace;
        if (marker.live.has(digest) || recent) {
          result.kept++;
          continue;
        }
        log(`${opts.dryRun ? 'would delete' : 'deleted'} blob ${digest} (${size} bytes)`);
        if (!opts.dryRun)
          await storage
            .delete(blobDir(digest))
            .catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
        result.deleted.push({ digest, size });
        result.bytes += size;
        gone.add(digest);
      }
    }
  }

  for (const { repository, digest } of links) {
    if (!gone.has(digest) && (await mtimeOf(storage, blobData(digest))) !== undefined) continue;
    if (!opts.dryRun) await storage.delete(layerLinkDir(repository, digest)).catch(() => undefined);
    result.linksRemoved++;
  }
  return result;
}
