// The tokens of the token service. An access token is a JWT in the Docker token
// spec's shape (iss, sub, aud, exp, nbf, iat, jti, access); a refresh token (what
// `docker login` keeps as its identity token) is a long-lived JWT with no access,
// bound to the user's current password hash so that changing the password ends it.
// Neither can pass for the other.
import { randomBytes } from 'node:crypto';
import { signJwt, TokenError, verifyJwt } from './jwt.ts';
import type { ResourceScope } from './scope.ts';
import type { SigningKey } from './signing-key.ts';

/** Clocks of issuer and registry may differ this much, in seconds. */
export const LEEWAY_SECONDS = 60;
export const DEFAULT_EXPIRATION_SECONDS = 300;
export const REFRESH_EXPIRATION_SECONDS = 90 * 24 * 3600;

export interface AccessClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: ResourceScope[];
}

export interface IssuedToken {
  token: string;
  expiresIn: number;
  issuedAt: Date;
}

export interface TokenIssuerOptions {
  key: SigningKey;
  issuer: string;
  service: string;
  expiration?: number;
  now?: () => number;
}

export class TokenIssuer {
  readonly key: SigningKey;
  readonly issuer: string;
  readonly service: string;
  readonly expiration: number;
  readonly #now: () => number;

  constructor(opts: TokenIssuerOptions) {
    this.key = opts.key;
    this.issuer = opts.issuer;
    this.service = opts.service;
    this.expiration = opts.expiration ?? DEFAULT_EXPIRATION_SECONDS;
    this.#now = opts.now ?? Date.now;
  }

  issueAccess(subject: string, access: ResourceScope[]): IssuedToken {
    const now = this.#now();
    const iat = Math.floor(now / 1000);
    const claims: AccessClaims = {
      iss: this.issuer,
      sub: subject,
      aud: this.service,
      exp: iat + this.expiration,
      nbf: iat,
      iat,
      jti: randomBytes(16).toString('base64url'),
      access,
    };
    return { token: signJwt(claims, this.key), expiresIn: this.expiration, issuedAt: new Date(iat * 1000) };
  }

  /** `passwordTag` is the fingerprint of the user's hash when the token is made. */
  issueRefresh(subject: string, passwordTag: string): string {
    const iat = Math.floor(this.#now() / 1000);
    return signJwt(
      {
        iss: this.issuer,
        sub: subject,
        aud: this.service,
        exp: iat + REFRESH_EXPIRATION_SECONDS,
        nbf: iat,
        iat,
        jti: randomBytes(16).toString('base64url'),
        refresh: passwordTag,
      },
      this.key,
    );
  }

  /** The claims of a valid access token for this service; throws TokenError saying why not. */
  verifyAccess(token: string): AccessClaims {
    const claims = this.#verifyCommon(token);
    if (claims.refresh !== undefined) throw new TokenError('a refresh token is not an access token');
    const access = claims.access ?? [];
    if (!Array.isArray(access) || !access.every(isResourceScope))
      throw new TokenError('token access claim unreadable');
    return {
      iss: claims.iss as string,
      sub: claims.sub as string,
      aud: this.service,
      exp: claims.exp as number,
      nbf: claims.nbf as number,
      iat: typeof claims.iat === 'number' ? claims.iat : 0,
      jti: typeof claims.jti === 'string' ? claims.jti : '',
      access,
    };
  }

  /** The user and password tag of a valid refresh token; throws TokenError saying why not. */
  verifyRefresh(token: string): { subject: string; passwordTag: string } {
    const claims = this.#verifyCommon(token);
    if (typeof claims.refresh !== 'string' || claims.sub === '') throw new TokenError('not a refresh token');
    return { subject: claims.sub as string, passwordTag: claims.refresh };
  }

  #verifyCommon(token: string): Record<string, unknown> {
    const claims = verifyJwt(token, this.key);
    if (claims.iss !== this.issuer) throw new TokenError('token from another issuer');
    const aud = claims.aud;
    if (!(aud === this.service || (Array.isArray(aud) && aud.includes(this.service)))) {
      throw new TokenError('token for another service');
    }
    if (typeof claims.sub !== 'string') throw new TokenError('token has no subject');
    const now = this.#now() / 1000;
    if (typeof claims.exp !== 'number' || now > claims.exp + LEEWAY_SECONDS)
      throw new TokenError('token expired');
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || now < claims.nbf - LEEWAY_SECONDS)) {
      throw new TokenError('token not valid yet');
    }
    return claims;
  }
}

function isResourceScope(value: unknown): value is ResourceScope {
  const v = value as Partial<ResourceScope> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.type === 'string' &&
    typeof v.name === 'string' &&
    Array.isArray(v.actions) &&
    v.actions.every((a) => typeof a === 'string')
  );
}
