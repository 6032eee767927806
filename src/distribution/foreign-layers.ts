// Foreign and non-distributable layers: blobs a registry is not meant to hold
// (Windows base layers, licensed content), found at their descriptor's `urls`.
// As Docker does, a pull fetches them from those URLs first (http and https
// only, no credentials sent) and from the registry after; a push leaves them
// out unless the registry is listed in allow-nondistributable-artifacts.
import type { Descriptor } from '../oci/descriptor.ts';
import { BerthError } from '../util/errors.ts';
import type { BlobOpener } from './blob-download.ts';
import { discard, type HttpClient } from './http-client.ts';

/** Openers for a layer's URLs, in their order. */
export function foreignOpeners(http: HttpClient, layer: Descriptor): BlobOpener[] {
  const urls = (layer.urls ?? []).filter((u) => /^https?:\/\//i.test(u));
  return urls.map((u) => async (offset, signal) => {
    const url = new URL(u);
    const res = await http.request({
      method: 'GET',
      url,
      headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
      signal,
    });
    if (res.status === 200 || res.status === 206) return res;
    await discard(res);
    throw new BerthError('Unavailable', `fetching layer ${layer.digest} from ${u}: status ${res.status}`);
  });
}

/**
 * Whether a push leaves this layer out of `registry` (a host as references
 * name it): as Docker decides, a layer with URLs is foreign; a
 * non-distributable one without any must be pushed, or nothing could fetch it.
 */
export function skippedOnPush(layer: Descriptor, registry: string, allowed: readonly string[]): boolean {
  return (layer.urls?.length ?? 0) > 0 && !allowed.includes(registry);
}
