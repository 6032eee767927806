// Manifests and tags of repositories. A manifest's bytes are kept exactly as pushed, as a
// blob under their own digest; the repository holds a revision link (with the media type to
// serve them as), a tag holds the digest it points at, and a manifest with a `subject` is
// listed under that subject's referrers. Writes go bytes, revision, referrer, tag: a crash
// between any two leaves nothing that points at what is missing.
import type { Descriptor } from '../oci/descriptor.ts';
import { algorithmOf, type Digest, digestOf, isDigest } from '../oci/digest.ts';
import type { BlobStore } from './blob-store.ts';
import { exists, isNotFound } from './blob-store.ts';
import {
  blobData,
  layersDir,
  manifestsDir,
  referrerEntry,
  referrersDir,
  revisionLink,
  revisionLinkDir,
  tagDir,
  tagLink,
  tagsDir,
} from './layout.ts';
import { checkManifest, referencesOf, referrerDescriptor } from './manifest-check.ts';
import { isTag } from './names.ts';
import { RegistryError } from './registry-error.ts';
import type { RegistryStorage } from './storage/driver.ts';

export interface StoredManifest {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

interface RevisionLink {
  digest: Digest;
  mediaType: string;
  size: number;
}

export type Reference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: Digest };

/** A manifest reference from a URL: a tag or a digest; undefined when it is neither. */
export function parseReference(ref: string): Reference | undefined {
  if (isDigest(ref)) return { kind: 'digest', digest: ref };
  if (!ref.includes(':') && isTag(ref)) return { kind: 'tag', tag: ref };
  return undefined;
}

export class ManifestStore {
  constructor(
    private readonly storage: RegistryStorage,
    private readonly blobs: BlobStore,
  ) {}

  private unknown(repository: string, ref: string): RegistryError {
    return new RegistryError('MANIFEST_UNKNOWN', `manifest ${ref} is not in repository ${repository}`, {
      detail: ref.includes(':') ? { digest: ref } : { tag: ref },
    });
  }

  /** Whether the repository exists: it has manifests or blobs. */
  async repositoryExists(repository: string): Promise<boolean> {
    return (
      (await exists(this.storage, manifestsDir(repository))) ||
      (await exists(this.storage, layersDir(repository)))
    );
  }

  /** Keep a manifest pushed as `reference` (a tag or its digest); returns its digest and subject. */
  async put(
    repository: string,
    reference: string,
    bytes: Buffer,
    contentType: string | undefined,
  ): Promise<{ digest: Digest; subject?: Digest }> {
    const ref = parseReference(reference);
    if (!ref) {
      throw new RegistryError(
        'MANIFEST_INVALID',
        `invalid reference "${reference}": want a tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}) or a digest`,
        { detail: { reference } },
      );
    }
    const digest = digestOf(bytes, ref.kind === 'digest' ? algorithmOf(ref.digest) : 'sha256');
    if (ref.kind === 'digest' && digest !== ref.digest) {
      throw new RegistryError(
        'DIGEST_INVALID',
        `the manifest's digest is ${digest}, not ${ref.digest} as in the URL`,
        {
          detail: { expected: ref.digest, actual: digest },
        },
      );
    }
    const m = checkManifest(bytes, contentType);
    const refs = referencesOf(m);
    for (const d of refs.blobs) {
      if (
        (await this.blobs.linked(repository, d.digest)) &&
        (await this.blobs.dataSize(d.digest)) !== undefined
      )
        continue;
      throw new RegistryError(
        'MANIFEST_BLOB_UNKNOWN',
        `manifest references blob ${d.digest}, which is not in repository ${repository}: push it first`,
        {
          detail: { digest: d.digest },
        },
      );
    }
    for (const d of refs.manifests) {
      if (await exists(this.storage, revisionLink(repository, d.digest))) continue;
      throw new RegistryError(
        'MANIFEST_BLOB_UNKNOWN',
        `index references manifest ${d.digest}, which is not in repository ${repository}: push it first`,
        {
          detail: { digest: d.digest },
        },
      );
    }
    await this.blobs.putBytes(digest, bytes);
    const link: RevisionLink = { digest, mediaType: m.mediaType, size: bytes.length };
    await this.storage.putContent(revisionLink(repository, digest), JSON.stringify(link));
    const subject = m.doc.subject?.digest;
    if (subject) {
      const entry = referrerDescriptor(m, digest, bytes.length);
      await this.storage.putContent(referrerEntry(repository, subject, digest), JSON.stringify(entry));
    }
    if (ref.kind === 'tag') await this.storage.putContent(tagLink(repository, ref.tag), digest);
    return { digest, subject };
  }

  /** The digest a tag points at; MANIFEST_UNKNOWN when there is no such tag. */
  async resolveTag(repository: string, tag: string): Promise<Digest> {
    try {
      const d = (await this.storage.getContent(tagLink(repository, tag), 1024)).toString().trim();
      if (isDigest(d)) return d;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    throw this.unknown(repository, tag);
  }

  private async revision(repository: string, digest: Digest): Promise<RevisionLink> {
    try {
      return JSON.parse((await this.storage.getContent(revisionLink(repository, digest), 4096)).toString());
    } catch (err) {
      if (isNotFound(err) || err instanceof SyntaxError) throw this.unknown(repository, digest);
      throw err;
    }
  }

  /** The digest a reference names, checking that it is a manifest of the repository. */
  async resolve(
    repository: string,
    reference: string,
  ): Promise<{ digest: Digest; mediaType: string; size: number }> {
    const ref = parseReference(reference);
    if (!ref) throw this.unknown(repository, reference);
    const digest = ref.kind === 'tag' ? await this.resolveTag(repository, ref.tag) : ref.digest;
    return this.revision(repository, digest);
  }

  async get(repository: string, reference: string, maxBytes: number): Promise<StoredManifest> {
    const { digest, mediaType } = await this.resolve(repository, reference);
    try {
      const bytes = await this.storage.getContent(blobData(digest), maxBytes);
      return { digest, mediaType, bytes };
    } catch (err) {
      if (isNotFound(err)) throw this.unknown(repository, reference);
      throw err;
    }
  }

  /** Every tag of the repository, sorted; NAME_UNKNOWN when the repository does not exist. */
  async tags(repository: string): Promise<string[]> {
    let names: string[];
    try {
      names = await this.storage.list(tagsDir(repository));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (await this.repositoryExists(repository)) return [];
      throw new RegistryError('NAME_UNKNOWN', `repository ${repository} is not known to this registry`, {
        detail: { name: repository },
      });
    }
    const live: string[] = [];
    for (const t of names) if (await exists(this.storage, tagLink(repository, t))) live.push(t);
    return live;
  }

  /**
   * Delete a tag, or a manifest by digest together with the tags that point at it and its
   * entry among its subject's referrers. MANIFEST_UNKNOWN when there is nothing to delete.
   */
  async delete(repository: string, reference: string): Promise<void> {
    const ref = parseReference(reference);
    if (!ref) throw this.unknown(repository, reference);
    if (ref.kind === 'tag') {
      await this.resolveTag(repository, ref.tag);
      await this.storage.delete(tagDir(repository, ref.tag));
      return;
    }
    const rev = await this.revision(repository, ref.digest);
    let subject: Digest | undefined;
    try {
      subject = checkManifest(await this.storage.getContent(blobData(rev.digest)), rev.mediaType).doc.subject
        ?.digest;
    } catch {
      // Unreadable bytes have no referrer entry worth finding.
    }
    for (const tag of await this.tags(repository)) {
      const d = await this.resolveTag(repository, tag).catch(() => undefined);
      if (d === ref.digest) await this.storage.delete(tagDir(repository, tag)).catch(ignoreNotFound);
    }
    if (subject)
      await this.storage.delete(referrerEntry(repository, subject, ref.digest)).catch(ignoreNotFound);
    await this.storage.delete(revisionLinkDir(repository, ref.digest));
  }

  /** The manifests of the repository whose subject is `subject`, optionally of one artifactType. */
  async referrers(repository: string, subject: Digest, artifactType?: string): Promise<Descriptor[]> {
    let entries: string[];
    try {
      entries = await this.storage.list(referrersDir(repository, subject));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    const out: Descriptor[] = [];
    for (const e of entries) {
      let d: Descriptor;
      try {
        d = JSON.parse(
          (await this.storage.getContent(`${referrersDir(repository, subject)}/${e}`, 1 << 20)).toString(),
        );
      } catch {
        continue;
      }
      if (artifactType !== undefined && d.artifactType !== artifactType) continue;
      if (!(await exists(this.storage, revisionLink(repository, d.digest)))) continue;
      out.push(d);
    }
    return out;
  }
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}
