// What a client proves itself with at a registry, and the `X-Registry-Auth`
// header that carries it from the command line to the daemon: Docker's
// AuthConfig as JSON, base64url encoded. Clients differ in the alphabet and
// padding they use, so decoding accepts both base64 alphabets, padded or not.
import { createHash } from 'node:crypto';
import { invalidArgument } from '../util/errors.ts';

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token from an earlier login (Docker's IdentityToken). */
  identitytoken?: string;
  /** A bearer token to send to the registry as it is. */
  registrytoken?: string;
  /** The registry these are for, as the client named it. */
  serveraddress?: string;
}

/** Whether the credentials say anything at all. */
export const hasCredentials = (c: Credentials | undefined): c is Credentials =>
  !!c && !!(c.username || c.password || c.identitytoken || c.registrytoken);

/** The header value for credentials: base64url of their JSON, as the docker CLI sends it. */
export function encodeRegistryAuth(c: Credentials): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

/** The credentials in an `X-Registry-Auth` header; an absent or empty one gives none. */
export function decodeRegistryAuth(header: string | undefined): Credentials | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  let doc: unknown;
  try {
    // Node's base64 decoder reads both alphabets and ignores missing padding.
    doc = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    throw invalidArgument('X-Registry-Auth header is not base64-encoded JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalidArgument('X-Registry-Auth header must encode a JSON object');
  }
  const d = doc as Record<string, unknown>;
  const out: Credentials = {};
  for (const key of ['username', 'password', 'identitytoken', 'registrytoken', 'serveraddress'] as const) {
    // Docker's AuthConfig fields are matched without regard to case, as Go's JSON decoder does.
    const found = Object.keys(d).find((k) => k.toLowerCase() === key);
    const v = found === undefined ? undefined : d[found];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') throw invalidArgument(`X-Registry-Auth: ${key} must be a string`);
    out[key] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** A key that tells two sets of credentials apart without holding the secret in plain sight. */
export function credentialsKey(c: Credentials | undefined): string {
  if (!hasCredentials(c)) return 'anonymous';
  const all = JSON.stringify([
    c.username ?? '',
    c.password ?? '',
    c.identitytoken ?? '',
    c.registrytoken ?? '',
  ]);
  return createHash('sha256').update(all).digest('hex');
}
