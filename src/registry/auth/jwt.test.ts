import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isBerthError } from '../../util/errors.ts';
import { signJwt, TokenError, verifyJwt } from './jwt.ts';
import { generateSigningKey, keyIdOf, loadSigningKey, signingKeyOf } from './signing-key.ts';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const decode = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));

describe('signing keys', () => {
  it('generates a P-256 key with a libtrust key ID', () => {
    const key = generateSigningKey();
    assert.equal(key.alg, 'ES256');
    assert.match(key.kid, /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    assert.equal(keyIdOf(key.publicKey), key.kid);
    assert.notEqual(generateSigningKey().kid, key.kid);
  });

  it('signs RS256 with an RSA key of 2048 bits', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.equal(signingKeyOf(privateKey, 'k').alg, 'RS256');
  });

  it('refuses keys it cannot sign with, saying what to use', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    assert.throws(
      () => signingKeyOf(p384, 'auth.token.key: /k.pem'),
      /auth\.token\.key: \/k\.pem: a EC secp384r1 key cannot sign tokens; use an EC P-256/,
    );
    const ed = generateKeyPairSync('ed25519').privateKey;
    assert.throws(() => signingKeyOf(ed, 'x'), /ed25519 key cannot sign/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    assert.throws(() => signingKeyOf(small, 'x'), /rsa key cannot sign/);
  });

  it('loads a PEM key, and names the config key and file when it cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-key-'));
    try {
      const pem = join(dir, 'key.pem');
      const key = generateSigningKey();
      await writeFile(pem, key.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const loaded = await loadSigningKey(pem, 'auth.token.key');
      assert.equal(loaded.kid, key.kid);
      assert.equal(loaded.alg, 'ES256');

      const missing = join(dir, 'missing.pem');
      await assert.rejects(
        loadSigningKey(missing, 'auth.token.key'),
        (err) =>
          isBerthError(err, 'NotFound') &&
          err.message.startsWith(`auth.token.key: cannot read the token signing key ${missing}`),
      );
      const junk = join(dir, 'junk.pem');
      await writeFile(junk, 'not a key\n');
      await assert.rejects(
        loadSigningKey(junk, 'auth.token.key'),
        (err) =>
          isBerthError(err, 'InvalidArgument') &&
          err.message.startsWith(`auth.token.key: ${junk} holds no readable PEM private key`),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('JWT', () => {
  const es = generateSigningKey();
  const rs = signingKeyOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'k');

  for (const key of [es, rs]) {
    it(`signs and checks ${key.alg}, with typ, alg and kid in the header`, () => {
      const token = signJwt({ sub: 'alice', n: 1 }, key);
      assert.deepEqual(decode(token.split('.')[0]), { typ: 'JWT', alg: key.alg, kid: key.kid });
      assert.deepEqual(verifyJwt(token, key), { sub: 'alice', n: 1 });
    });
  }

  it('writes an ES256 signature as 64 bytes r||s', () => {
    const sig = Buffer.from(signJwt({}, es).split('.')[2], 'base64url');
    assert.equal(sig.length, 64);
  });

  it('refuses a changed payload', () => {
    const [h, , s] = signJwt({ sub: 'alice' }, es).split('.');
    assert.throws(() => verifyJwt(`${h}.${b64({ sub: 'root' })}.${s}`, es), /bad token signature/);
  });

  it('refuses another key, another kid and another algorithm', () => {
    const token = signJwt({ sub: 'a' }, generateSigningKey());
    assert.throws(
      () => verifyJwt(token, es),
      (e) => e instanceof TokenError && /unknown key/.test(e.message),
    );
    const [, p, s] = signJwt({ sub: 'a' }, es).split('.');
    assert.throws(() => verifyJwt(`${b64({ alg: 'ES256' })}.${p}.${s}`, rs), /signed with ES256, not RS256/);
    // alg "none" with no signature, and HS256 keyed with the public key
    assert.throws(() => verifyJwt(`${b64({ alg: 'none', kid: es.kid })}.${p}.`, es), /malformed/);
    assert.throws(() => verifyJwt(`${b64({ alg: 'none', kid: es.kid })}.${p}.AA`, es), /signed with none/);
    const pub = es.publicKey.export({ type: 'spki', format: 'pem' });
    const input = `${b64({ alg: 'HS256', kid: es.kid })}.${p}`;
    const mac = createHmac('sha256', pub).update(input).digest('base64url');
    assert.throws(() => verifyJwt(`${input}.${mac}`, es), /signed with HS256/);
  });

  it('refuses what is not a compact JWS', () => {
    for (const bad of [
      '',
      'a.b',
      'a.b.c.d',
      'a b.c.d',
      `${b64([1])}.${b64({})}.AA`,
      `bm90anNvbg.${b64({})}.AA`,
    ]) {
      assert.throws(() => verifyJwt(bad, es), TokenError, bad);
    }
    assert.throws(() => verifyJwt('a'.repeat(70_000), es), /too long/);
  });

  it('checks a key loaded from PEM against tokens signed before', () => {
    const pem = es.privateKey.export({ type: 'pkcs8', format: 'pem' });
    const again = signingKeyOf(createPrivateKey(pem), 'k');
    assert.deepEqual(verifyJwt(signJwt({ x: 1 }, es), again), { x: 1 });
  });
});
