// Remembers passwords that bcrypt recently accepted, so a push of many blobs (each
// request carrying the same Basic credentials) pays for one bcrypt, not one per
// request. Entries are keyed by a hash of user and password, never the password
// itself, and hold the bcrypt hash they matched: a changed password misses. Only
// successes are kept; a wrong guess always pays full price. Concurrent checks of the
// same credentials share one bcrypt.
import { createHash } from 'node:crypto';

const MAX_ENTRIES = 1024;

export class VerifiedCache {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { hash: string; until: number }>();
  readonly #pending = new Map<string, Promise<boolean>>();

  constructor(opts: { ttlMs: number; now: () => number }) {
    this.#ttlMs = opts.ttlMs;
    this.#now = opts.now;
  }

  async check(
    user: string,
    password: string,
    hash: string,
    verify: () => Promise<boolean>,
  ): Promise<boolean> {
    const key = createHash('sha256').update(user).update('\0').update(password).digest('base64');
    const hit = this.#entries.get(key);
    if (hit && hit.hash === hash && hit.until > this.#now()) return true;
    if (hit) this.#entries.delete(key);
    const pendingKey = `${key}\0${hash}`;
    let pending = this.#pending.get(pendingKey);
    if (!pending) {
      pending = verify().finally(() => this.#pending.delete(pendingKey));
      this.#pending.set(pendingKey, pending);
    }
    const ok = await pending;
    if (ok) this.#remember(key, hash);
    return ok;
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  #remember(key: string, hash: string): void {
    this.#entries.delete(key);
    if (this.#entries.size >= MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { hash, until: this.#now() + this.#ttlMs });
  }
}
