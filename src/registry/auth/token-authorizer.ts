// Bearer-token authorization as a distribution registry does it: without a valid
// token the client is told where to get one and for which scope; with a token that
// lacks some of the access, the same challenge says `insufficient_scope`. The token
// endpoint itself is served by `handle`.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { bearerChallenge } from './challenge.ts';
import { readCredentials } from './credentials.ts';
import { TokenError } from './jwt.ts';
import type { Realm } from './realm.ts';
import { missingAccess } from './scope.ts';
import type { TokenEndpoint } from './token-endpoint.ts';
import type { TokenIssuer } from './tokens.ts';
import type { AccessRequest, AuthDecision, Authorizer } from './types.ts';

export class TokenAuthorizer implements Authorizer {
  readonly #realm: Realm;
  readonly #issuer: TokenIssuer;
  readonly #endpoint: TokenEndpoint;

  constructor(realm: Realm, issuer: TokenIssuer, endpoint: TokenEndpoint) {
    this.#realm = realm;
    this.#issuer = issuer;
    this.#endpoint = endpoint;
  }

  async authorize(headers: IncomingHttpHeaders, access: AccessRequest[]): Promise<AuthDecision> {
    const creds = readCredentials(headers);
    if (creds?.scheme !== 'bearer') return this.#refuse(headers, access, 'authentication required');
    let claims: ReturnType<TokenIssuer['verifyAccess']>;
    try {
      claims = this.#issuer.verifyAccess(creds.token);
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      return this.#refuse(headers, access, `invalid token: ${err.message}`, 'invalid_token');
    }
    const missing = missingAccess(claims.access, access);
    if (missing.length > 0) {
      return this.#refuse(
        headers,
        access,
        'the token does not grant the access asked for',
        'insufficient_scope',
        missing,
      );
    }
    return claims.sub === '' ? { ok: true } : { ok: true, user: claims.sub };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== this.#realm.path) return false;
    await this.#endpoint.serve(req, res);
    return true;
  }

  #refuse(
    headers: IncomingHttpHeaders,
    access: AccessRequest[],
    message: string,
    error?: 'invalid_token' | 'insufficient_scope',
    detail?: unknown,
  ): AuthDecision {
    const challenge = bearerChallenge({
      realm: this.#realm.forRequest(headers),
      service: this.#issuer.service,
      access,
      error,
    });
    return {
      ok: false,
      status: 401,
      headers: { 'WWW-Authenticate': challenge },
      code: 'UNAUTHORIZED',
      message,
      ...(detail === undefined ? {} : { detail }),
    };
  }
}
