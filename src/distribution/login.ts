// `docker login` on the daemon's side (POST /auth): check credentials against
// the registry itself (never a mirror) the way it asks to be authenticated:
// - no challenge: nothing to check, the login succeeds;
// - Basic: `GET /v2/` with the credentials must answer 200;
// - Bearer: the token server must hand out a token for them (asked with
//   `offline_token`, so an OAuth2 server may return a refresh token, which
//   becomes the identity token clients store instead of the password), and
//   `GET /v2/` must then accept that token.
import { BerthError } from '../util/errors.ts';
import type { Credentials } from './credentials.ts';
import type { DistributionService } from './distribution-service.ts';
import { discard } from './http-client.ts';
import { registryDomainOf } from './server-address.ts';
import { basicAuth, fetchToken } from './token-fetch.ts';

export interface LoginResult {
  /** Docker's word: `Login Succeeded`. */
  status: string;
  /** A refresh token to store instead of the password, or empty. */
  identityToken: string;
}

export async function login(service: DistributionService, credentials: Credentials): Promise<LoginResult> {
  const domain = registryDomainOf(credentials.serveraddress);
  // Pinged without credentials: the challenge says what to prove.
  const session = await service.registries.open(domain, 'push');
  const challenge = session.auth.challenge;
  const ping = session.url('/v2/');
  const check = async (authorization: string) => {
    const res = await service.http.request({
      method: 'GET',
      url: ping,
      headers: { Authorization: authorization },
      tls: session.endpoint.tls,
    });
    await discard(res);
    if (res.status !== 200) {
      throw new BerthError(
        'PermissionDenied',
        `login attempt to ${ping} failed with status: ${res.status} ${res.status === 401 ? 'Unauthorized' : ''}`.trim(),
      );
    }
  };
  if (!challenge) return { status: 'Login Succeeded', identityToken: '' };
  if (challenge.scheme === 'basic') {
    await check(basicAuth(credentials.username ?? '', credentials.password ?? ''));
    return { status: 'Login Succeeded', identityToken: '' };
  }
  if (credentials.registrytoken) {
    await check(`Bearer ${credentials.registrytoken}`);
    return { status: 'Login Succeeded', identityToken: '' };
  }
  const realmHost = new URL(challenge.realm).host;
  const token = await fetchToken(service.http, {
    realm: challenge.realm,
    service: challenge.service,
    scopes: [],
    credentials,
    offline: true,
    tls: realmHost === session.endpoint.base.host ? session.endpoint.tls : undefined,
  });
  await check(`Bearer ${token.token}`);
  return { status: 'Login Succeeded', identityToken: token.refreshToken ?? '' };
}
