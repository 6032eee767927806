// The Authorization header for a request to a registry, from what the registry
// asked for (its challenge, learned from a ping or a 401) and the caller's
// credentials: none, Basic, or a bearer token for the request's scopes from
// the registry's token server (cached until it expires, one request at a time
// per scope set). A registry token in the credentials is sent as it is.
import { type Credentials, credentialsKey } from './credentials.ts';
import type { HttpClient, HttpResponse } from './http-client.ts';
import type { TlsSettings } from './tls-settings.ts';
import { TokenCache } from './token-cache.ts';
import { basicAuth, fetchToken } from './token-fetch.ts';
import { parseWwwAuthenticate } from './www-authenticate.ts';

export type AuthChallenge =
  | { scheme: 'basic'; realm?: string }
  | { scheme: 'bearer'; realm: string; service?: string };

/** The challenge berth answers among those a registry offers: bearer before basic. */
export function pickChallenge(res: HttpResponse): AuthChallenge | undefined {
  const all = parseWwwAuthenticate(res.headers['www-authenticate']);
  const bearer = all.find((c) => c.scheme === 'bearer' && c.params.realm);
  if (bearer) return { scheme: 'bearer', realm: bearer.params.realm, service: bearer.params.service };
  const basic = all.find((c) => c.scheme === 'basic');
  return basic ? { scheme: 'basic', realm: basic.params.realm } : undefined;
}

/** What the daemon remembers across requests: each registry's challenge, and tokens. */
export class AuthState {
  readonly tokens = new TokenCache();
  /** By registry base URL; null: the registry asked for nothing. */
  readonly challenges = new Map<string, AuthChallenge | null>();
  readonly pending = new Map<string, Promise<string>>();
}

export class Authorizer {
  constructor(
    private readonly http: HttpClient,
    private readonly state: AuthState,
    readonly credentials: Credentials | undefined,
    private readonly base: URL,
    private readonly tls: TlsSettings | undefined,
  ) {}

  get challenge(): AuthChallenge | null | undefined {
    return this.state.challenges.get(this.base.href);
  }

  /** Remember what a ping or a 401 asked for. Returns whether a retry could now do better. */
  learn(res: HttpResponse, scopes: readonly string[] = []): boolean {
    const found = pickChallenge(res);
    if (res.status !== 401) {
      if (!this.state.challenges.has(this.base.href))
        this.state.challenges.set(this.base.href, found ?? null);
      return false;
    }
    if (!found) return false;
    this.state.challenges.set(this.base.href, found);
    if (found.scheme === 'basic') return !!this.credentials?.username;
    // A refused bearer token may have expired early: fetch a new one.
    this.state.tokens.delete(this.tokenKey(found, scopes));
    return true;
  }

  private tokenKey(ch: { realm: string; service?: string }, scopes: readonly string[]): string {
    return TokenCache.key(ch.realm, ch.service ?? '', credentialsKey(this.credentials), scopes);
  }

  /** The header for a request that needs `scopes`, or undefined for none. */
  async authorization(scopes: readonly string[]): Promise<string | undefined> {
    const creds = this.credentials;
    if (creds?.registrytoken) return `Bearer ${creds.registrytoken}`;
    const ch = this.challenge;
    if (!ch) return undefined;
    if (ch.scheme === 'basic')
      return creds?.username ? basicAuth(creds.username, creds.password ?? '') : undefined;
    const key = this.tokenKey(ch, scopes);
    const cached = this.state.tokens.get(key);
    if (cached) return `Bearer ${cached}`;
    let pending = this.state.pending.get(key);
    if (!pending) {
      pending = this.newToken(ch, scopes, key).finally(() => this.state.pending.delete(key));
      this.state.pending.set(key, pending);
    }
    return `Bearer ${await pending}`;
  }

  private async newToken(ch: { realm: string; service?: string }, scopes: readonly string[], key: string) {
    const realmHost = new URL(ch.realm).host;
    const token = await fetchToken(this.http, {
      realm: ch.realm,
      service: ch.service,
      scopes,
      credentials: this.credentials,
      tls: realmHost === this.base.host ? this.tls : undefined,
    });
    this.state.tokens.set(key, token.token, token.expiresIn, token.issuedAt);
    return token.token;
  }
}
