// The image store: names and tags to manifests, images by ID, layer sizes, and
// the garbage collection that keeps blobs and layer directories exactly as long
// as something needs them. Metadata lives in SQLite; every change is one
// transaction, written after the blobs and snapshots it names exist, so a crash
// leaves at worst unnamed garbage that the next collection sweeps.
import type { ContentStore } from '../content/content-store.ts';
import type { Descriptor, ImageConfig, Index, Manifest } from '../oci/descriptor.ts';
import { ANNOTATION_REF_NAME } from '../oci/descriptor.ts';
import type { Digest } from '../oci/digest.ts';
import { isIndexType } from '../oci/media-types.ts';
import { bestMatch, hostPlatform } from '../oci/platform.ts';
import { familiarString, formatReference, parseReference } from '../oci/reference.ts';
import { parseImageConfig, parseManifestDocument } from '../oci/validate.ts';
import type { Snapshotter } from '../snapshot/snapshotter.ts';
import { BerthError } from '../util/errors.ts';
import { type Db, migrate } from '../util/sqlite.ts';
import { chainIds } from './chain-id.ts';
import { Leases } from './lease.ts';
import { IMAGE_MIGRATIONS } from './schema.ts';
import { unpackLayers } from './unpack.ts';

export interface ImageRecord {
  /** The config digest: Docker's image ID. */
  id: Digest;
  manifest: Descriptor;
  created?: string;
  /** Sum of the uncompressed layer sizes. */
  size: number;
  parent?: Digest;
  /** When this host got the image (ms since the epoch). */
  added: number;
  /** Full references that name it, sorted. */
  tags: string[];
  repoDigests: string[];
}

/** Something outside the image store that keeps images alive: containers. */
export interface ImageUser {
  /** The containers that use this image, and whether each is running. */
  containersUsing(imageId: Digest): { id: string; running: boolean }[];
  /** Snapshot names (chain IDs) that containers are built on. */
  snapshotsInUse(): Iterable<string>;
}

/**
 * Something outside the image store that holds blobs and snapshots no image
 * names: the build cache. Collection keeps what it lists, read at each sweep.
 */
export interface GcRoots {
  roots(): { blobs: Iterable<string>; snapshots: Iterable<string> };
}

export interface RemoveOptions {
  force?: boolean;
  /** Docker's --no-prune: keep untagged parents. Parents are only set by commit/build. */
  noPrune?: boolean;
}

export type RemoveReport = ({ Untagged: string } | { Deleted: string })[];

interface ImageRow {
  id: string;
  manifest_digest: string;
  manifest_media_type: string;
  manifest_size: number;
  created: string | null;
  size: number;
  parent: string | null;
  added: number;
}

const NO_USERS: ImageUser = { containersUsing: () => [], snapshotsInUse: () => [] };
const NO_ROOTS: GcRoots = { roots: () => ({ blobs: [], snapshots: [] }) };

export class ImageStore {
  readonly leases = new Leases();
  users: ImageUser = NO_USERS;
  cacheRoots: GcRoots = NO_ROOTS;
  private gcRunning: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly db: Db,
    readonly content: ContentStore,
    readonly snapshots: Snapshotter,
  ) {}

  static async open(db: Db, content: ContentStore, snapshots: Snapshotter): Promise<ImageStore> {
    migrate(db, 'images', IMAGE_MIGRATIONS);
    const store = new ImageStore(db, content, snapshots);
    // index.json is written after each transaction; bring it up to date after a crash.
    await store.syncLayoutIndex();
    return store;
  }

  // ---- reading -------------------------------------------------------------

  private record(row: ImageRow): ImageRecord {
    const tags = (
      this.db.prepare('SELECT name FROM tags WHERE image_id = ? ORDER BY name').all(row.id) as {
        name: string;
      }[]
    ).map((t) => t.name);
    const repoDigests = (
      this.db.prepare('SELECT name FROM repo_digests WHERE image_id = ? ORDER BY name').all(row.id) as {
        name: string;
      }[]
    ).map((t) => t.name);
    return {
      id: row.id as Digest,
      manifest: {
        mediaType: row.manifest_media_type,
        digest: row.manifest_digest as Digest,
        size: row.manifest_size,
      },
      created: row.created ?? undefined,
      size: row.size,
      parent: (row.parent ?? undefined) as Digest | undefined,
      added: row.added,
      tags,
      repoDigests,
    };
  }

  get(id: string): ImageRecord | undefined {
    const row = this.db.prepare('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return row && this.record(row);
  }

  list(): ImageRecord[] {
    return (this.db.prepare('SELECT * FROM images ORDER BY added DESC').all() as ImageRow[]).map((r) =>
      this.record(r),
    );
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
  }

  /**
   * Find an image the way Docker does: by reference (tag or digest), then by
   * full or abbreviated image ID. NotFound says `No such image: <what was asked>`.
   */
  resolve(nameOrId: string): ImageRecord {
    const found = this.lookup(nameOrId);
    if (!found) throw new BerthError('NotFound', `No such image: ${nameOrId}`);
    return found;
  }

  /** The full reference a user's name stands for, if it names a tag here. */
  tagOf(name: string): string | undefined {
    const full = tryFormat(name);
    return full && this.db.prepare('SELECT 1 FROM tags WHERE name = ?').get(full) ? full : undefined;
  }

  private lookup(nameOrId: string): ImageRecord | undefined {
    const idPrefix = /^(sha256:)?([0-9a-f]{1,64})$/.exec(nameOrId);
    if (idPrefix?.[1] && idPrefix[2].length === 64) return this.get(nameOrId);
    const ref = tryParse(nameOrId);
    if (ref) {
      if (ref.digest) {
        const byDigest = this.byManifestDigest(ref.digest, `${ref.domain}/${ref.path}`);
        if (byDigest) return byDigest;
      } else {
        const tag = this.db.prepare('SELECT image_id FROM tags WHERE name = ?').get(formatReference(ref)) as
          | { image_id: string }
          | undefined;
        if (tag) return this.get(tag.image_id);
      }
    }
    if (idPrefix) return this.byIdPrefix(idPrefix[2], nameOrId);
    return undefined;
  }

  private byManifestDigest(digest: string, repository: string): ImageRecord | undefined {
    const row =
      (this.db
        .prepare('SELECT image_id AS id FROM tags WHERE target_digest = ? AND name LIKE ? LIMIT 1')
        .get(digest, `${repository}:%`) as { id: string } | undefined) ??
      (this.db
        .prepare('SELECT image_id AS id FROM repo_digests WHERE name = ?')
        .get(`${repository}@${digest}`) as { id: string } | undefined) ??
      (this.db.prepare('SELECT id FROM images WHERE manifest_digest = ?').get(digest) as
        | { id: string }
        | undefined);
    return row && this.get(row.id);
  }

  private byIdPrefix(hex: string, asked: string): ImageRecord | undefined {
    const rows = this.db.prepare('SELECT id FROM images WHERE id LIKE ? LIMIT 2').all(`sha256:${hex}%`) as {
      id: string;
    }[];
    if (rows.length > 1) {
      throw new BerthError('InvalidArgument', `image ID prefix "${asked}" is ambiguous: use more characters`);
    }
    return rows[0] && this.get(rows[0].id);
  }

  async readManifest(image: ImageRecord): Promise<Manifest> {
    const doc = parseManifestDocument(
      await this.content.readBytes(image.manifest.digest),
      image.manifest.mediaType,
    );
    if (doc.kind !== 'manifest') throw new BerthError('Internal', `image ${image.id} points at an index`);
    return doc.doc as Manifest;
  }

  async readConfig(image: ImageRecord): Promise<ImageConfig> {
    return parseImageConfig(await this.content.readBytes(image.id));
  }

  /** The chain IDs of an image's layers, base first. */
  async chainOf(image: ImageRecord): Promise<Digest[]> {
    return chainIds((await this.readConfig(image)).rootfs.diff_ids);
  }

  /** The committed snapshot name an image's container layer goes on (undefined for no layers). */
  async topSnapshot(image: ImageRecord): Promise<string | undefined> {
    const chain = await this.chainOf(image);
    await this.ensureUnpacked(image);
    return chain.at(-1);
  }

  layerInfo(digest: Digest): { diffId: Digest; size: number } | undefined {
    const row = this.db.prepare('SELECT diff_id, size FROM layers WHERE digest = ?').get(digest) as
      | { diff_id: string; size: number }
      | undefined;
    return row && { diffId: row.diff_id as Digest, size: row.size };
  }

  // ---- adding --------------------------------------------------------------

  /** Record what is known of a layer blob (its diff ID and uncompressed size). */
  recordLayer(digest: Digest, diffId: Digest, size: number): void {
    this.db
      .prepare('INSERT OR REPLACE INTO layers (digest, diff_id, size) VALUES (?, ?, ?)')
      .run(digest, diffId, size);
  }

  /**
   * Make an image of a manifest whose blobs are all in the content store:
   * validate the documents, unpack the layers, then record the image and its
   * names in one transaction. `target` may be an index: each manifest of it for
   * this host's platform is recorded, and the names point at the index.
   */
  async add(target: Descriptor, opts: { names?: string[]; parent?: Digest; repoDigests?: string[] } = {}) {
    const lease = this.leases.take();
    try {
      lease.add(target.digest);
      const manifestDesc = await this.platformManifest(target);
      lease.add(manifestDesc.digest);
      const manifest = parseManifestDocument(
        await this.content.readBytes(manifestDesc.digest),
        manifestDesc.mediaType,
      ).doc as Manifest;
      const config = parseImageConfig(await this.content.readBytes(manifest.config.digest));
      if (config.rootfs.diff_ids.length !== manifest.layers.length) {
        throw new BerthError(
          'InvalidArgument',
          `image ${manifest.config.digest}: config lists ${config.rootfs.diff_ids.length} layers but the manifest has ${manifest.layers.length}`,
        );
      }
      const sizes = await unpackLayers(this, manifest.layers, config.rootfs.diff_ids, lease);
      const id = manifest.config.digest;
      const names = (opts.names ?? []).map((n) => formatReference(parseReference(n)));
      this.db.transaction(() => {
        const existing = this.db.prepare('SELECT id FROM images WHERE id = ?').get(id);
        if (!existing) {
          this.db
            .prepare(
              'INSERT INTO images (id, manifest_digest, manifest_media_type, manifest_size, created, size, parent, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            )
            .run(
              id,
              manifestDesc.digest,
              manifestDesc.mediaType,
              manifestDesc.size,
              config.created ?? null,
              sizes.reduce((a, b) => a + b, 0),
              opts.parent ?? null,
              Date.now(),
            );
        }
        for (const name of names) this.setTag(name, target, id);
        for (const rd of opts.repoDigests ?? []) {
          this.db.prepare('INSERT OR IGNORE INTO repo_digests (image_id, name) VALUES (?, ?)').run(id, rd);
        }
      })();
      await this.syncLayoutIndex();
      return this.get(id)!;
    } finally {
      lease.release();
    }
  }

  /** The manifest of `target` for this host: itself, or the best match of an index. */
  private async platformManifest(target: Descriptor): Promise<Descriptor> {
    if (!isIndexType(target.mediaType)) return target;
    const doc = parseManifestDocument(await this.content.readBytes(target.digest), target.mediaType);
    const index = doc.doc as Index;
    const best = bestMatch(hostPlatform(), index.manifests);
    if (!best) {
      const p = hostPlatform();
      throw new BerthError(
        'NotFound',
        `no manifest for ${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''} in index ${target.digest}`,
      );
    }
    return best;
  }

  private setTag(name: string, target: Descriptor, imageId: string): void {
    this.db
      .prepare(
        `INSERT INTO tags (name, target_digest, target_media_type, target_size, image_id, updated)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET target_digest = excluded.target_digest,
           target_media_type = excluded.target_media_type, target_size = excluded.target_size,
           image_id = excluded.image_id, updated = excluded.updated`,
      )
      .run(name, target.digest, target.mediaType, target.size, imageId, Date.now());
  }

  /** `docker tag SOURCE TARGET`: TARGET names what SOURCE names (the same index, if it is one). */
  async tag(source: string, target: string): Promise<string> {
    const image = this.resolve(source);
    const ref = parseReference(target);
    if (ref.digest)
      throw new BerthError('InvalidArgument', `refusing to create a tag with a digest reference: ${target}`);
    const full = formatReference(ref);
    const sourceTag = this.tagOf(source);
    const sourceTarget = sourceTag
      ? (this.db
          .prepare(
            'SELECT target_digest AS digest, target_media_type AS mediaType, target_size AS size FROM tags WHERE name = ?',
          )
          .get(sourceTag) as Descriptor)
      : image.manifest;
    this.db.transaction(() => this.setTag(full, sourceTarget, image.id))();
    await this.syncLayoutIndex();
    return full;
  }

  // ---- removing ------------------------------------------------------------

  /** `docker rmi`, with Docker's rules for tags, IDs, containers and --force. */
  async remove(nameOrId: string, opts: RemoveOptions = {}): Promise<RemoveReport> {
    const image = this.resolve(nameOrId);
    const short = image.id.slice(7, 19);
    const byTag = this.tagOf(nameOrId);
    const users = this.users.containersUsing(image.id);
    const report: RemoveReport = [];

    if (byTag && image.tags.length > 1) {
      this.untag(byTag, report);
      await this.syncLayoutIndex();
      return report;
    }
    if (!byTag && image.tags.length > 1 && !opts.force) {
      throw new BerthError(
        'Conflict',
        `conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories`,
      );
    }
    const running = users.find((u) => u.running);
    if (running) {
      throw new BerthError(
        'Conflict',
        `conflict: unable to delete ${byTag ? `repository reference "${nameOrId}"` : short} (cannot be forced) - image is being used by running container ${running.id.slice(0, 12)}`,
      );
    }
    if (users.length && !opts.force) {
      const what = byTag ? `remove repository reference "${nameOrId}"` : `delete ${short}`;
      throw new BerthError(
        'Conflict',
        `conflict: unable to ${what} (must force) - container ${users[0].id.slice(0, 12)} is using its referenced image ${short}`,
      );
    }
    const child = this.db.prepare('SELECT id FROM images WHERE parent = ? LIMIT 1').get(image.id);
    if (child && !byTag) {
      throw new BerthError(
        'Conflict',
        `conflict: unable to delete ${short} (cannot be forced) - image has dependent child images`,
      );
    }

    this.db.transaction(() => {
      for (const t of image.tags) this.untag(t, report);
      // A forced removal of an image a stopped container uses keeps the image, untagged, as Docker does.
      if (users.length || child) return;
      this.db.prepare('DELETE FROM repo_digests WHERE image_id = ?').run(image.id);
      for (const rd of image.repoDigests) report.push({ Untagged: rd });
      this.db.prepare('DELETE FROM images WHERE id = ?').run(image.id);
      report.push({ Deleted: image.id });
    })();
    if (!opts.noPrune && image.parent && report.some((r) => 'Deleted' in r)) {
      const parent = this.get(image.parent);
      if (
        parent &&
        parent.tags.length === 0 &&
        !this.db.prepare('SELECT 1 FROM images WHERE parent = ?').get(parent.id)
      ) {
        report.push(...(await this.remove(parent.id, { noPrune: false })));
      }
    }
    await this.syncLayoutIndex();
    await this.collectGarbage();
    return report;
  }

  private untag(name: string, report: RemoveReport): void {
    this.db.prepare('DELETE FROM tags WHERE name = ?').run(name);
    // Docker reports untagged names in their familiar form (busybox:latest).
    report.push({ Untagged: familiarString(parseReference(name)) });
  }

  // ---- the OCI layout's index.json ------------------------------------------

  /** Rewrite `index.json` so it lists every tag with its full reference. */
  async syncLayoutIndex(): Promise<void> {
    const rows = this.db
      .prepare('SELECT name, target_digest, target_media_type, target_size FROM tags ORDER BY name')
      .all() as { name: string; target_digest: string; target_media_type: string; target_size: number }[];
    await this.content.writeIndex(
      rows.map((r) => ({
        mediaType: r.target_media_type,
        digest: r.target_digest as Digest,
        size: r.target_size,
        annotations: { [ANNOTATION_REF_NAME]: r.name },
      })),
    );
  }

  // ---- garbage collection ----------------------------------------------------

  /**
   * Mark every blob reachable from an image or a tag, every snapshot an image or
   * a container stands on, and what `cacheRoots` holds; sweep the rest, except
   * what a lease holds.
   * Runs one at a time.
   */
  collectGarbage(): Promise<{ blobs: number; snapshots: number; bytes: number }> {
    const run = this.gcRunning.then(() => this.sweep());
    this.gcRunning = run.catch(() => undefined);
    return run;
  }

  private async sweep() {
    const liveBlobs = new Set<string>();
    const liveSnapshots = new Set<string>(this.users.snapshotsInUse());
    const cached = this.cacheRoots.roots();
    for (const d of cached.blobs) liveBlobs.add(d);
    for (const s of cached.snapshots) liveSnapshots.add(s);
    const roots = [
      ...(this.db.prepare('SELECT target_digest AS d, target_media_type AS t FROM tags').all() as {
        d: string;
        t: string;
      }[]),
      ...(this.db.prepare('SELECT manifest_digest AS d, manifest_media_type AS t FROM images').all() as {
        d: string;
        t: string;
      }[]),
    ];
    const queue: { d: string; t: string }[] = [...roots];
    while (queue.length) {
      const { d, t } = queue.pop()!;
      if (liveBlobs.has(d)) continue;
      liveBlobs.add(d);
      if (!(await this.content.has(d as Digest))) continue;
      const doc = parseManifestDocument(await this.content.readBytes(d as Digest), t);
      if (doc.kind === 'index') {
        for (const m of (doc.doc as Index).manifests) queue.push({ d: m.digest, t: m.mediaType });
      } else {
        const m = doc.doc as Manifest;
        liveBlobs.add(m.config.digest);
        for (const l of m.layers) liveBlobs.add(l.digest);
      }
    }
    for (const image of this.list()) {
      for (const chainId of await this.chainOf(image)) liveSnapshots.add(chainId);
    }
    let blobs = 0;
    let bytes = 0;
    for await (const blob of this.content.list()) {
      if (liveBlobs.has(blob.digest) || this.leases.has(blob.digest)) continue;
      await this.content.delete(blob.digest);
      this.db.prepare('DELETE FROM layers WHERE digest = ?').run(blob.digest);
      blobs++;
      bytes += blob.size;
    }
    // Children before parents: a snapshot with a child cannot be removed.
    let snapshots = 0;
    for (let changed = true; changed; ) {
      changed = false;
      const all = this.snapshots.list().filter((s) => s.kind === 'committed');
      const parents = new Set(this.snapshots.list().map((s) => s.parent));
      for (const s of all) {
        if (liveSnapshots.has(s.name) || this.leases.has(s.name) || parents.has(s.name)) continue;
        await this.snapshots.remove(s.name);
        snapshots++;
        changed = true;
      }
    }
    return { blobs, snapshots, bytes };
  }

  /** Unpack an image's layers again if a crash or a GC race left them missing. */
  async ensureUnpacked(image: ImageRecord): Promise<void> {
    const manifest = await this.readManifest(image);
    const config = await this.readConfig(image);
    const lease = this.leases.take();
    try {
      await unpackLayers(this, manifest.layers, config.rootfs.diff_ids, lease);
    } finally {
      lease.release();
    }
  }
}

function tryParse(s: string) {
  try {
    return parseReference(s);
  } catch {
    return undefined;
  }
}

function tryFormat(s: string): string | undefined {
  const ref = tryParse(s);
  return ref && !ref.digest ? formatReference(ref) : undefined;
}
