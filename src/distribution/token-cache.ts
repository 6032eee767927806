// Bearer tokens kept until they expire, one per token server, service,
// identity and set of scopes, so a pull of many layers asks once, and the
// daemon asks again only when a token runs out or a new scope is needed.

interface Entry {
  token: string;
  expiresAt: number;
}

/** A token is dropped this long before it expires, so it never runs out on the way. */
const MARGIN_MS = 5_000;

export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  static key(realm: string, service: string, identity: string, scopes: readonly string[]): string {
    return JSON.stringify([realm, service, identity, [...new Set(scopes)].sort()]);
  }

  get(key: string, now = Date.now()): string | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt - MARGIN_MS <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.token;
  }

  /** Keep `token` for `expiresInSeconds` counted from `issuedAt` (default now). */
  set(key: string, token: string, expiresInSeconds: number, issuedAt = Date.now()): void {
    this.entries.set(key, { token, expiresAt: issuedAt + expiresInSeconds * 1000 });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
