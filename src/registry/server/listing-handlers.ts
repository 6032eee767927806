// The read-only lists: the /v2/ base (health and auth check), the catalog, a repository's
// tags, and the referrers of a manifest. Lists are sorted; `n` and `last` page through
// them and a `Link: <...>; rel="next"` header says where the next page starts.
import { MediaType } from '../../oci/media-types.ts';
import { paginate } from '../catalog.ts';
import { type Handler, pageSize, type RequestContext, wantDigest } from './context.ts';
import { sendJson } from './respond.ts';

export const baseHandler: Handler = async ({ res }) => {
  sendJson(res, 200, {});
};

function nextLink(path: string, page: string[], n: number | undefined): Record<string, string> {
  const params = new URLSearchParams({ last: page[page.length - 1] });
  if (n !== undefined) params.set('n', String(n));
  return { Link: `<${path}?${params}>; rel="next"` };
}

function pageOf(ctx: RequestContext, all: string[], path: string) {
  const n = pageSize(ctx.url);
  const last = ctx.url.searchParams.get('last') ?? undefined;
  const { page, more } = paginate(all, n, last);
  return { page, headers: more && page.length > 0 ? nextLink(path, page, n) : {} };
}

export const catalogHandler: Handler = async (ctx) => {
  const { page, headers } = pageOf(ctx, await ctx.registry.repositories(), '/v2/_catalog');
  sendJson(ctx.res, 200, { repositories: page }, headers);
};

export const tagsHandler =
  (name: string): Handler =>
  async (ctx) => {
    const { page, headers } = pageOf(ctx, await ctx.registry.manifests.tags(name), `/v2/${name}/tags/list`);
    sendJson(ctx.res, 200, { name, tags: page }, headers);
  };

export const referrersHandler =
  (name: string, subject: string): Handler =>
  async (ctx) => {
    const digest = wantDigest(subject, 'digest');
    const artifactType = ctx.url.searchParams.get('artifactType') ?? undefined;
    const manifests = await ctx.registry.manifests.referrers(name, digest, artifactType);
    const headers: Record<string, string> =
      artifactType !== undefined ? { 'OCI-Filters-Applied': 'artifactType' } : {};
    sendJson(
      ctx.res,
      200,
      { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests },
      headers,
      MediaType.OciIndex,
    );
  };
