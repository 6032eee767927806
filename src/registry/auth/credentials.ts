// Reading the Authorization header. The scheme name is case-insensitive (RFC 7235);
// a Basic payload is base64 of `user:password`, split at the first colon because a
// password may hold colons and a user name may not.
import type { IncomingHttpHeaders } from 'node:http';

export type Credentials =
  | { scheme: 'basic'; user: string; password: string }
  | { scheme: 'bearer'; token: string }
  /** A header was sent but is not one we can read (another scheme, bad base64, no colon). */
  | { scheme: 'unreadable' };

export function readCredentials(headers: IncomingHttpHeaders): Credentials | undefined {
  const value = headers.authorization;
  if (value === undefined || value.trim() === '') return undefined;
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(value);
  if (!match) return { scheme: 'unreadable' };
  const scheme = match[1].toLowerCase();
  const param = match[2];
  if (scheme === 'bearer') return { scheme: 'bearer', token: param };
  if (scheme === 'basic') return parseBasic(param) ?? { scheme: 'unreadable' };
  return { scheme: 'unreadable' };
}

/** `user:password` from a Basic payload, or undefined when it is not one. */
export function parseBasic(payload: string): { scheme: 'basic'; user: string; password: string } | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(payload) || payload.length % 4 !== 0) return undefined;
  const text = Buffer.from(payload, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { scheme: 'basic', user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The Basic header value for `user` and `password` (for clients and tests). */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
