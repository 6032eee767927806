// The distribution API of one repository on one registry: manifests by tag or
// digest (verified against the digest asked for and the one the registry
// names), blobs (ranges too), existence checks, upload sessions and mounts,
// pushing a manifest, and the tag list. Bodies of blobs are handed back as
// streams; manifests are small and read whole, within a limit.
import type { Digest } from '../oci/digest.ts';
import { algorithmOf, digestOf, isDigest } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import { type ManifestDocument, parseManifestDocument } from '../oci/validate.ts';
import { BerthError } from '../util/errors.ts';
import { discard, type HttpResponse, header, readBytes, readText } from './http-client.ts';
import { registryError } from './registry-errors.ts';
import { type RegistrySession, repositoryScope } from './registry-session.ts';

export const MANIFEST_ACCEPT = [
  MediaType.OciManifest,
  MediaType.OciIndex,
  MediaType.DockerManifest,
  MediaType.DockerManifestList,
].join(', ');
export const MAX_MANIFEST_BYTES = 4 << 20;

export interface FetchedManifest {
  bytes: Buffer;
  digest: Digest;
  document: ManifestDocument;
}

export type UploadStart = { mounted: true } | { mounted: false; location: URL };

export class RepositoryClient {
  constructor(
    readonly session: RegistrySession,
    /** The repository's path in the registry: `library/busybox`. */
    readonly path: string,
    readonly actions: 'pull' | 'pull,push',
  ) {}

  get scopes(): string[] {
    return [repositoryScope(this.path, this.actions)];
  }

  private url(rest: string): string {
    return `/v2/${this.path}/${rest}`;
  }

  /** The manifest or index that `reference` (a tag or a digest) names, verified. */
  async manifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const res = await this.session.send(
      {
        method: 'GET',
        url: this.url(`manifests/${reference}`),
        headers: { Accept: MANIFEST_ACCEPT },
        signal,
      },
      this.scopes,
    );
    if (res.status !== 200) throw await registryError(res, `manifest ${reference}`);
    const bytes = await readBytes(res, MAX_MANIFEST_BYTES);
    const named = header(res, 'docker-content-digest');
    const expected = isDigest(reference) ? reference : named && isDigest(named) ? named : undefined;
    const digest = digestOf(bytes, expected ? algorithmOf(expected) : 'sha256');
    if (expected && expected !== digest) {
      throw new BerthError(
        'DigestMismatch',
        `manifest verification failed for digest ${expected}: the registry sent a manifest whose digest is ${digest}`,
      );
    }
    const document = parseManifestDocument(bytes, header(res, 'content-type'));
    return { bytes, digest, document };
  }

  /** A blob's body from `offset` (a 206 answer when offset > 0, or a 200 if the registry ignores ranges). */
  async blob(digest: Digest, offset = 0, signal?: AbortSignal): Promise<HttpResponse> {
    const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
    const res = await this.session.send(
      { method: 'GET', url: this.url(`blobs/${digest}`), headers, signal },
      this.scopes,
    );
    if (res.status === 200 || res.status === 206) return res;
    throw await registryError(res, `fetching blob ${digest}`);
  }

  async hasBlob(digest: Digest): Promise<boolean> {
    const res = await this.session.send({ method: 'HEAD', url: this.url(`blobs/${digest}`) }, this.scopes);
    await discard(res);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await registryError(res, `checking blob ${digest}`);
  }

  /** Start an upload, or mount `digest` from another repository of this registry. */
  async startUpload(mount?: { digest: Digest; from: string }): Promise<UploadStart> {
    const query = mount
      ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}`
      : '';
    const scopes = mount ? [...this.scopes, repositoryScope(mount.from, 'pull')] : this.scopes;
    const res = await this.session.send(
      { method: 'POST', url: this.url(`blobs/uploads/${query}`), headers: { 'Content-Length': '0' } },
      scopes,
    );
    if (mount && res.status === 201) {
      await discard(res);
      return { mounted: true };
    }
    const location = header(res, 'location');
    if (res.status === 202 && location) {
      await discard(res);
      return { mounted: false, location: this.session.url(location) };
    }
    throw await registryError(res, 'starting a blob upload');
  }

  /** Start a plain upload: where to send the blob. */
  async openUpload(): Promise<URL> {
    const started = await this.startUpload();
    if (started.mounted)
      throw new BerthError('Internal', 'the registry mounted a blob nobody asked to mount');
    return started.location;
  }

  /** Push a manifest's exact bytes under `reference` (a tag or its digest); returns its digest. */
  async putManifest(reference: string, mediaType: string, bytes: Buffer): Promise<Digest> {
    const res = await this.session.send(
      {
        method: 'PUT',
        url: this.url(`manifests/${reference}`),
        headers: { 'Content-Type': mediaType },
        body: bytes,
      },
      this.scopes,
    );
    if (res.status !== 201 && res.status !== 200)
      throw await registryError(res, `pushing manifest ${reference}`);
    await discard(res);
    const named = header(res, 'docker-content-digest');
    const digest = digestOf(bytes, named && isDigest(named) ? algorithmOf(named) : 'sha256');
    if (named && isDigest(named) && named !== digest) {
      throw new BerthError(
        'DigestMismatch',
        `the registry stored manifest ${reference} as ${named}, not ${digest}`,
      );
    }
    return digest;
  }

  /** Every tag of the repository, following the registry's pages. */
  async tags(): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = this.url('tags/list');
    for (let page = 0; next && page < 10_000; page++) {
      const res = await this.session.send({ method: 'GET', url: next }, this.scopes);
      if (res.status !== 200) throw await registryError(res, 'listing tags');
      const link = header(res, 'link');
      let doc: { tags?: unknown };
      try {
        doc = JSON.parse(await readText(res)) as { tags?: unknown };
      } catch {
        throw new BerthError(
          'Unavailable',
          `listing tags of ${this.path}: the registry's answer is not JSON`,
        );
      }
      if (Array.isArray(doc.tags)) for (const t of doc.tags) if (typeof t === 'string') out.push(t);
      next = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
    }
    return out;
  }
}
