import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenError } from './jwt.ts';
import { generateSigningKey } from './signing-key.ts';
import { LEEWAY_SECONDS, TokenIssuer } from './tokens.ts';

const key = generateSigningKey();
const T0 = Date.UTC(2025, 0, 1) + 0.5;
const access = [{ type: 'repository', name: 'a/b', actions: ['pull', 'push'] }];

function issuerAt(clock: { now: number }, over: Partial<{ issuer: string; service: string }> = {}) {
  return new TokenIssuer({
    key,
    issuer: over.issuer ?? 'berth-issuer',
    service: over.service ?? 'berth-registry',
    expiration: 300,
    now: () => clock.now,
  });
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

describe('TokenIssuer', () => {
  it('issues the claims of the Docker token spec', () => {
    const clock = { now: T0 };
    const issued = issuerAt(clock).issueAccess('alice', access);
    const claims = claimsOf(issued.token);
    const iat = Math.floor(T0 / 1000);
    assert.deepEqual(
      { ...claims, jti: undefined },
      {
        iss: 'berth-issuer',
        sub: 'alice',
        aud: 'berth-registry',
        exp: iat + 300,
        nbf: iat,
        iat,
        jti: undefined,
        access,
      },
    );
    assert.match(claims.jti, /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual(claimsOf(issuerAt(clock).issueAccess('alice', access).token).jti, claims.jti);
    assert.equal(issued.expiresIn, 300);
    assert.equal(issued.issuedAt.toISOString(), new Date(iat * 1000).toISOString());
  });

  it('accepts its own token and returns its access', () => {
    const clock = { now: T0 };
    const issuer = issuerAt(clock);
    const claims = issuer.verifyAccess(issuer.issueAccess('alice', access).token);
    assert.equal(claims.sub, 'alice');
    assert.deepEqual(claims.access, access);
  });

  it('accepts a token until expiry plus leeway, and not after', () => {
    const clock = { now: T0 };
    const issuer = issuerAt(clock);
    const { token } = issuer.issueAccess('alice', access);
    clock.now = T0 + (300 + LEEWAY_SECONDS - 1) * 1000;
    issuer.verifyAccess(token);
    clock.now = T0 + (300 + LEEWAY_SECONDS + 1) * 1000;
    assert.throws(
      () => issuer.verifyAccess(token),
      (e) => e instanceof TokenError && e.message === 'token expired',
    );
  });

  it('refuses a token not valid yet, beyond the leeway', () => {
    const clock = { now: T0 + 10 * 60_000 };
    const { token } = issuerAt(clock).issueAccess('alice', access);
    clock.now = T0 + 10 * 60_000 - (LEEWAY_SECONDS - 1) * 1000;
    issuerAt(clock).verifyAccess(token);
    clock.now = T0;
    assert.throws(() => issuerAt(clock).verifyAccess(token), /not valid yet/);
  });

  it('refuses a token of another issuer or for another service', () => {
    const clock = { now: T0 };
    const mine = issuerAt(clock);
    assert.throws(
      () => mine.verifyAccess(issuerAt(clock, { issuer: 'other' }).issueAccess('a', access).token),
      /another issuer/,
    );
    assert.throws(
      () => mine.verifyAccess(issuerAt(clock, { service: 'other' }).issueAccess('a', access).token),
      /another service/,
    );
  });

  it('keeps access and refresh tokens apart', () => {
    const clock = { now: T0 };
    const issuer = issuerAt(clock);
    const refresh = issuer.issueRefresh('alice', 'TAG');
    assert.deepEqual(issuer.verifyRefresh(refresh), { subject: 'alice', passwordTag: 'TAG' });
    assert.equal(claimsOf(refresh).access, undefined);
    assert.throws(() => issuer.verifyAccess(refresh), /refresh token is not an access token/);
    assert.throws(
      () => issuer.verifyRefresh(issuer.issueAccess('alice', access).token),
      /not a refresh token/,
    );
  });

  it('lets a refresh token live for days', () => {
    const clock = { now: T0 };
    const issuer = issuerAt(clock);
    const refresh = issuer.issueRefresh('alice', 'TAG');
    clock.now = T0 + 30 * 24 * 3600 * 1000;
    assert.equal(issuer.verifyRefresh(refresh).subject, 'alice');
  });
});
