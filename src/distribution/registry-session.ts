// One registry endpoint with the credentials of one operation: every request
// is sent with the Authorization its scopes need, and a 401 that teaches
// something new (a first challenge, an expired token) is answered once more.
import { Authorizer, type AuthState } from './authorizer.ts';
import type { Credentials } from './credentials.ts';
import { discard, type HttpClient, type HttpRequest, type HttpResponse } from './http-client.ts';
import { registryError } from './registry-errors.ts';
import type { TlsSettings } from './tls-settings.ts';

export interface Endpoint {
  /** The registry as references name it: `docker.io`, `localhost:5000`. */
  domain: string;
  /** Where its API is: `https://registry-1.docker.io`. */
  base: URL;
  tls?: TlsSettings;
  /** A pull-through mirror of docker.io rather than the registry itself. */
  mirror: boolean;
}

export type SessionRequest = Omit<HttpRequest, 'url' | 'tls'> & { url: URL | string };

export class RegistrySession {
  readonly auth: Authorizer;

  constructor(
    readonly endpoint: Endpoint,
    readonly http: HttpClient,
    state: AuthState,
    credentials: Credentials | undefined,
  ) {
    this.auth = new Authorizer(http, state, credentials, endpoint.base, endpoint.tls);
  }

  /** A URL on the registry: a path (`/v2/...`) or a Location it sent, relative or not. */
  url(pathOrUrl: string | URL): URL {
    return new URL(pathOrUrl, this.endpoint.base);
  }

  /** `GET /v2/`: the registry answers, and says what it wants for authentication. */
  async ping(): Promise<void> {
    const res = await this.http.request({
      method: 'GET',
      url: this.url('/v2/'),
      tls: this.endpoint.tls,
      retry: false,
    });
    if (res.status === 200 || res.status === 401) {
      this.auth.learn(res);
      await discard(res);
      return;
    }
    throw await registryError(res, `Get "${this.url('/v2/')}"`);
  }

  async send(req: SessionRequest, scopes: readonly string[]): Promise<HttpResponse> {
    const url = this.url(req.url);
    const sendOnce = async () => {
      const authorization = await this.auth.authorization(scopes);
      const headers = { ...req.headers, ...(authorization ? { Authorization: authorization } : {}) };
      // Credentials go to the registry only; a Location elsewhere (a storage backend) gets none.
      if (url.origin !== this.endpoint.base.origin) delete headers.Authorization;
      return this.http.request({
        ...req,
        url,
        headers,
        tls: url.host === this.endpoint.base.host ? this.endpoint.tls : undefined,
      });
    };
    const res = await sendOnce();
    if (res.status !== 401 || !this.auth.learn(res, scopes)) return res;
    await discard(res);
    return sendOnce();
  }
}

/** The scope of a repository for a token: `repository:library/busybox:pull,push`. */
export const repositoryScope = (path: string, actions: 'pull' | 'pull,push'): string =>
  `repository:${path}:${actions}`;
