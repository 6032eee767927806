// Manifests: GET and HEAD by tag or digest (the exact bytes pushed, as the media type they
// were pushed as), PUT (checked, see manifest-check.ts), DELETE of a tag or of a manifest.
import { RegistryError } from '../registry-error.ts';
import { type Handler, readBody } from './context.ts';
import { sendEmpty } from './respond.ts';

export const getManifest =
  (name: string, reference: string): Handler =>
  async (ctx) => {
    const { registry, res, req } = ctx;
    const m = await registry.manifests.get(
      name,
      reference,
      Math.max(registry.limits.manifestBytes, 64 << 20),
    );
    res.writeHead(200, {
      'Content-Type': m.mediaType,
      'Content-Length': m.bytes.length,
      'Docker-Content-Digest': m.digest,
      ETag: `"${m.digest}"`,
    });
    res.end(req.method === 'HEAD' ? undefined : m.bytes);
  };

export const putManifest =
  (name: string, reference: string): Handler =>
  async (ctx) => {
    const { registry, req, res } = ctx;
    const bytes = await readBody(req, registry.limits.manifestBytes, 'the manifest');
    const { digest, subject } = await registry.manifests.put(
      name,
      reference,
      bytes,
      req.headers['content-type'],
    );
    const headers: Record<string, string> = {
      Location: `/v2/${name}/manifests/${digest}`,
      'Docker-Content-Digest': digest,
    };
    if (subject) headers['OCI-Subject'] = subject;
    sendEmpty(res, 201, headers);
  };

export function deletesDisabled(): RegistryError {
  return new RegistryError(
    'UNSUPPORTED',
    'deletion is disabled on this registry (storage.delete.enabled in its config)',
  );
}

export const deleteManifest =
  (name: string, reference: string): Handler =>
  async (ctx) => {
    if (!ctx.registry.deleteEnabled) throw deletesDisabled();
    await ctx.registry.manifests.delete(name, reference);
    sendEmpty(ctx.res, 202);
  };
