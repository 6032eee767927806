// Asking a registry's token server for a bearer token, as Docker does:
// - with an identity token (a refresh token from an earlier login): the OAuth2
//   refresh grant, POSTed as a form; a server that has no such endpoint (404,
//   405) is asked the classic way instead;
// - otherwise a GET of the realm with `service` and one `scope` per scope,
//   Basic credentials when there are any (with `account`), and for a login
//   `offline_token=true`, which makes the server hand out a refresh token.
import { BerthError } from '../util/errors.ts';
import { type Credentials, hasCredentials } from './credentials.ts';
import { type HttpClient, type HttpResponse, readText } from './http-client.ts';
import type { TlsSettings } from './tls-settings.ts';

export const CLIENT_ID = 'docker';
/** What a token server that names no lifetime gives: Docker's minimum. */
const DEFAULT_EXPIRES_IN = 60;

export interface TokenRequest {
  realm: string;
  service?: string;
  scopes: readonly string[];
  credentials?: Credentials;
  /** Ask for a refresh token too (a login). */
  offline?: boolean;
  /** TLS for the realm: the registry's own, given only when the realm is on the registry's host. */
  tls?: TlsSettings;
}

export interface Token {
  token: string;
  expiresIn: number;
  issuedAt: number;
  refreshToken?: string;
}

export const basicAuth = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

function realmUrl(realm: string): URL {
  try {
    const url = new URL(realm);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {}
  throw new BerthError('Unavailable', `the registry's token realm "${realm}" is not an http(s) URL`);
}

async function parseToken(res: HttpResponse, what: string): Promise<Token> {
  const text = await readText(res, 1 << 20);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new BerthError('Unavailable', `${what}: the token server's answer is not JSON`);
  }
  const token = typeof doc.token === 'string' && doc.token ? doc.token : doc.access_token;
  if (typeof token !== 'string' || !token) {
    throw new BerthError('Unavailable', `${what}: the token server's answer has no token`);
  }
  const expiresIn =
    typeof doc.expires_in === 'number' && doc.expires_in >= DEFAULT_EXPIRES_IN
      ? doc.expires_in
      : DEFAULT_EXPIRES_IN;
  const issued = typeof doc.issued_at === 'string' ? Date.parse(doc.issued_at) : Number.NaN;
  return {
    token,
    expiresIn,
    // A server clock far off from ours would make a token look expired; trust our clock then.
    issuedAt: Number.isNaN(issued) || Math.abs(issued - Date.now()) > 60_000 ? Date.now() : issued,
    refreshToken: typeof doc.refresh_token === 'string' && doc.refresh_token ? doc.refresh_token : undefined,
  };
}

async function refused(res: HttpResponse, what: string): Promise<BerthError> {
  const text = (await readText(res, 64 << 10).catch(() => '')).trim();
  let detail = text.slice(0, 300);
  try {
    const doc = JSON.parse(text) as { details?: unknown; error?: unknown; errors?: { message?: unknown }[] };
    const m = doc.details ?? doc.error ?? doc.errors?.[0]?.message;
    if (typeof m === 'string') detail = m;
  } catch {}
  const code = res.status === 401 || res.status === 403 ? 'PermissionDenied' : 'Unavailable';
  const words = res.status === 401 ? 'unauthorized' : `status ${res.status}`;
  return new BerthError(code, `${what}: ${words}${detail ? `: ${detail}` : ''}`);
}

export async function fetchToken(http: HttpClient, req: TokenRequest): Promise<Token> {
  const url = realmUrl(req.realm);
  const creds = req.credentials;
  if (creds?.identitytoken) {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: creds.identitytoken,
      client_id: CLIENT_ID,
    });
    if (req.service) form.set('service', req.service);
    if (req.scopes.length) form.set('scope', req.scopes.join(' '));
    const res = await http.request({
      method: 'POST',
      url,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: Buffer.from(form.toString()),
      tls: req.tls,
    });
    const what = `Post "${url}"`;
    if (res.status === 200) return parseToken(res, what);
    if (res.status !== 404 && res.status !== 405) throw await refused(res, what);
    res.body.resume();
  }
  const query = new URL(url);
  if (req.service) query.searchParams.set('service', req.service);
  for (const s of req.scopes) query.searchParams.append('scope', s);
  const headers: Record<string, string> = {};
  if (hasCredentials(creds) && creds.username) {
    query.searchParams.set('account', creds.username);
    headers.Authorization = basicAuth(creds.username, creds.password ?? '');
  }
  if (req.offline) {
    query.searchParams.set('offline_token', 'true');
    query.searchParams.set('client_id', CLIENT_ID);
  }
  const res = await http.request({ method: 'GET', url: query, headers, tls: req.tls });
  const what = `Get "${query}"`;
  if (res.status !== 200) throw await refused(res, what);
  return parseToken(res, what);
}
