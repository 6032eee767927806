// WWW-Authenticate values as clients expect them from a distribution registry:
// parameters are quoted strings (RFC 7235), several scopes go space-separated into
// one `scope` parameter, and an `error` parameter (RFC 6750) says whether a token
// was bad (`invalid_token`) or too weak (`insufficient_scope`).
import { formatScope, mergeAccess } from './scope.ts';
import type { AccessRequest } from './types.ts';

/** A value as an RFC 7230 quoted-string: backslash before `"` and `\`. */
export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function basicChallenge(realm: string): string {
  return `Basic realm=${quote(realm)}`;
}

export interface BearerChallenge {
  realm: string;
  service: string;
  access: readonly AccessRequest[];
  error?: 'invalid_token' | 'insufficient_scope';
}

export function bearerChallenge(c: BearerChallenge): string {
  const params = [`realm=${quote(c.realm)}`, `service=${quote(c.service)}`];
  const scopes = mergeAccess(c.access)
    .filter((a) => a.actions.length > 0)
    .map(formatScope);
  if (scopes.length > 0) params.push(`scope=${quote(scopes.join(' '))}`);
  if (c.error) params.push(`error=${quote(c.error)}`);
  return `Bearer ${params.join(',')}`;
}
