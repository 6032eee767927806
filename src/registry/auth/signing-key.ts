// The key that signs tokens. ES256 (P-256) by default, RS256 for an RSA key. The
// `kid` is the key's libtrust fingerprint (base32 of the first 240 bits of the
// SHA-256 of its DER public key, in colon-separated groups of four), which is how
// distribution's registry finds the key in its rootcertbundle: a distribution
// registry given our certificate accepts our tokens.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BerthError, fromErrno } from '../../util/errors.ts';

export type SigningAlgorithm = 'ES256' | 'RS256';

export interface SigningKey {
  readonly alg: SigningAlgorithm;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A fresh P-256 key, for a token service whose config names none. */
export function generateSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return signingKeyOf(privateKey, 'a generated key');
}

/** The PEM private key at `path`; errors name `configKey` and the file. */
export async function loadSigningKey(path: string, configKey: string): Promise<SigningKey> {
  let pem: Buffer;
  try {
    pem = await readFile(path);
  } catch (err) {
    throw fromErrno(err, `${configKey}: cannot read the token signing key ${path}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new BerthError(
      'InvalidArgument',
      `${configKey}: ${path} holds no readable PEM private key (${err instanceof Error ? err.message : err})`,
    );
  }
  return signingKeyOf(key, `${configKey}: ${path}`);
}

/** A private key as a signing key; `where` names its source in errors. */
export function signingKeyOf(privateKey: KeyObject, where: string): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const details = privateKey.asymmetricKeyDetails ?? {};
  let alg: SigningAlgorithm;
  if (privateKey.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') alg = 'ES256';
  else if (privateKey.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) alg = 'RS256';
  else {
    const what =
      privateKey.asymmetricKeyType === 'ec' ? `EC ${details.namedCurve}` : privateKey.asymmetricKeyType;
    throw new BerthError(
      'InvalidArgument',
      `${where}: a ${what} key cannot sign tokens; use an EC P-256 key (ES256) or an RSA key of 2048 bits or more (RS256)`,
    );
  }
  return { alg, kid: keyIdOf(publicKey), privateKey, publicKey };
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The libtrust key ID of a public key. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const digest = createHash('sha256').update(der).digest().subarray(0, 30);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}
