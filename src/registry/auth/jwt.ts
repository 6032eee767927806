// Compact JWS, signed and checked with node:crypto. Checking trusts nothing in the
// header: the algorithm must be the key's own (no `none`, no HMAC with a public key
// as secret), and a `kid` must name our key.
import { sign, verify } from 'node:crypto';
import type { SigningKey } from './signing-key.ts';

/** Why a token was not accepted; its message is safe to show (it never holds the token). */
export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

const MAX_TOKEN_LENGTH = 64 * 1024;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function signJwt(claims: object, key: SigningKey): string {
  const header = { typ: 'JWT', alg: key.alg, kid: key.kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), signOptions(key, 'privateKey'));
  return `${input}.${b64url(signature)}`;
}

/** The claims of a token whose signature is our key's; throws TokenError otherwise. */
export function verifyJwt(token: string, key: SigningKey): Record<string, unknown> {
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenError('token too long');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) throw new TokenError('malformed token');
  const header = decodeJson(parts[0], 'header');
  if (header.alg !== key.alg) throw new TokenError(`token signed with ${String(header.alg)}, not ${key.alg}`);
  if (header.kid !== undefined && header.kid !== key.kid)
    throw new TokenError('token signed by an unknown key');
  const ok = verify(
    'sha256',
    Buffer.from(`${parts[0]}.${parts[1]}`),
    signOptions(key, 'publicKey'),
    Buffer.from(parts[2], 'base64url'),
  );
  if (!ok) throw new TokenError('bad token signature');
  return decodeJson(parts[1], 'claims');
}

function signOptions(key: SigningKey, which: 'privateKey' | 'publicKey') {
  // JOSE writes an ECDSA signature as r||s, not DER.
  return key.alg === 'ES256' ? { key: key[which], dsaEncoding: 'ieee-p1363' as const } : key[which];
}

function decodeJson(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError(`token ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenError(`token ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
