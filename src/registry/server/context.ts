// What a handler gets: the request, the response, the parsed URL, the registry, and
// whether an Authorizer guards the server (which changes what a mount without `from` may do).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Digest, isDigest } from '../../oci/digest.ts';
import { isRepositoryName } from '../names.ts';
import type { Registry } from '../registry.ts';
import { RegistryError } from '../registry-error.ts';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly registry: Registry;
  readonly guarded: boolean;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

/** A digest from a URL or query; DIGEST_INVALID naming it when it is not one. */
export function wantDigest(s: string | null, what: string): Digest {
  if (s !== null && isDigest(s)) return s;
  throw new RegistryError(
    'DIGEST_INVALID',
    s === null
      ? `${what} missing: want sha256:<64 hex> or sha512:<128 hex>`
      : `invalid ${what} "${s}": want sha256:<64 hex> or sha512:<128 hex>`,
    { detail: { digest: s } },
  );
}

/** A repository name; NAME_INVALID when it breaks the spec's grammar. */
export function wantName(name: string): string {
  if (isRepositoryName(name)) return name;
  throw new RegistryError(
    'NAME_INVALID',
    `invalid repository name "${name}": want lowercase components of [a-z0-9] joined by '.', '_', '__' or '-', separated by '/', at most 255 characters`,
    { detail: { name } },
  );
}

/** Whether the request carries a body. */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** A whole small body, refused with 413 SIZE_INVALID past `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const tooLarge = () =>
    new RegistryError('SIZE_INVALID', `${what} is larger than the ${limit} bytes this registry accepts`, {
      status: 413,
      detail: { limit },
    });
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge();
  // Past the limit the rest of the body is read and dropped rather than the request destroyed,
  // so the client still gets its 413.
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        reject(tooLarge());
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(parts));
    });
    req.on('error', reject);
  });
}

/** `n` of a paginated list: a whole number, or undefined when absent. */
export function pageSize(url: URL): number | undefined {
  const n = url.searchParams.get('n');
  if (n === null || n === '') return undefined;
  if (!/^\d+$/.test(n)) {
    throw new RegistryError('PAGINATION_NUMBER_INVALID', `invalid n "${n}": want a whole number`, {
      detail: { n },
    });
  }
  return Number(n);
}
