// Where a registry named in a reference is reached, in the order to try:
// - docker.io: for pulls the configured mirrors first, then Docker Hub's API
//   host, registry-1.docker.io; pushes go to Docker Hub only;
// - a secure registry: https, verifying its certificate (system CAs plus its
//   certs-dir directory);
// - an insecure one (loopback, or listed in insecure-registries): https
//   without verification, then plain http.
// Each candidate is pinged (`GET /v2/`) before use; one that answered lately
// is not pinged again for a minute. The first that answers is used; for
// mirrors the caller may move on to the next when a pull from one fails.
import { DEFAULT_DOMAIN } from '../oci/reference.ts';
import { BerthError } from '../util/errors.ts';
import type { AuthState } from './authorizer.ts';
import type { Credentials } from './credentials.ts';
import type { HttpClient } from './http-client.ts';
import { isInsecureRegistry } from './insecure.ts';
import type { RegistryConfig } from './registry-config.ts';
import { type Endpoint, RegistrySession } from './registry-session.ts';
import { type TlsSettings, tlsSettingsFor } from './tls-settings.ts';

export const DOCKER_HUB_API = 'https://registry-1.docker.io';
const PING_FRESH_MS = 60_000;

export type Purpose = 'pull' | 'push';

export class Registries {
  private readonly pinged = new Map<string, number>();
  private readonly tlsCache = new Map<string, Promise<TlsSettings>>();

  constructor(
    readonly config: RegistryConfig,
    readonly http: HttpClient,
    readonly auth: AuthState,
  ) {}

  private tls(host: string, verify: boolean): Promise<TlsSettings> {
    const key = `${host}|${verify}`;
    let settings = this.tlsCache.get(key);
    if (!settings) {
      settings = tlsSettingsFor(host, this.config.certsDir, verify);
      settings.catch(() => this.tlsCache.delete(key));
      this.tlsCache.set(key, settings);
    }
    return settings;
  }

  /** The endpoints to try for `domain`, best first. */
  async candidates(domain: string, purpose: Purpose): Promise<Endpoint[]> {
    if (domain === DEFAULT_DOMAIN) {
      const hub = new URL(DOCKER_HUB_API);
      const out: Endpoint[] = [];
      if (purpose === 'pull') {
        for (const m of this.config.mirrors) {
          const insecure = await isInsecureRegistry(m.host, this.config);
          const tls = m.protocol === 'https:' ? await this.tls(m.host, !insecure) : undefined;
          out.push({ domain, base: new URL(m.origin), tls, mirror: true });
        }
      }
      out.push({ domain, base: hub, tls: await this.tls(DEFAULT_DOMAIN, true), mirror: false });
      return out;
    }
    const insecure = await isInsecureRegistry(domain, this.config);
    const https: Endpoint = {
      domain,
      base: new URL(`https://${domain}`),
      tls: await this.tls(domain, !insecure),
      mirror: false,
    };
    return insecure ? [https, { domain, base: new URL(`http://${domain}`), mirror: false }] : [https];
  }

  /**
   * Sessions on the endpoints of `domain` that answer a ping, in order. Throws
   * the last ping's error when none answers.
   */
  async *sessions(
    domain: string,
    purpose: Purpose,
    credentials?: Credentials,
  ): AsyncGenerator<RegistrySession> {
    let lastError: unknown;
    let any = false;
    for (const endpoint of await this.candidates(domain, purpose)) {
      const session = new RegistrySession(endpoint, this.http, this.auth, credentials);
      const key = `${endpoint.base.href}|${endpoint.tls?.rejectUnauthorized ?? 'plain'}`;
      const fresh = (this.pinged.get(key) ?? 0) > Date.now() - PING_FRESH_MS;
      if (!fresh || this.auth.challenges.get(endpoint.base.href) === undefined) {
        try {
          await session.ping();
          this.pinged.set(key, Date.now());
        } catch (err) {
          lastError = err;
          continue;
        }
      }
      any = true;
      yield session;
    }
    if (!any) {
      throw lastError ?? new BerthError('Unavailable', `no endpoint of registry ${domain} answered`);
    }
  }

  /** The first session that answers (no fallback between mirrors): for pushes and logins. */
  async open(domain: string, purpose: Purpose, credentials?: Credentials): Promise<RegistrySession> {
    for await (const session of this.sessions(domain, purpose, credentials)) return session;
    throw new BerthError('Unavailable', `no endpoint of registry ${domain} answered`);
  }

  /** Forget that an endpoint answered (after it failed). */
  forget(endpoint: Endpoint): void {
    for (const key of this.pinged.keys())
      if (key.startsWith(`${endpoint.base.href}|`)) this.pinged.delete(key);
  }
}
