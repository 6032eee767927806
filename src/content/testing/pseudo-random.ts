// Deterministic incompressible bytes for tests: an AES-CTR keystream seeded by
// a string, so two processes given the same seed produce the same content
// without passing it around, and nothing large is held in memory.
import { createCipheriv, createHash } from 'node:crypto';

export const CHUNK = 1 << 20;

/** `size` bytes for `seed`, in chunks of CHUNK (the last one shorter). */
export function* pseudoRandomChunks(seed: string, size: number): Generator<Buffer> {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK);
  for (let done = 0; done < size; done += CHUNK) {
    yield cipher.update(zeros.subarray(0, Math.min(CHUNK, size - done)));
  }
}

/** The sha256 digest of pseudoRandomChunks(seed, size). */
export function pseudoRandomDigest(seed: string, size: number): `sha256:${string}` {
  const hash = createHash('sha256');
  for (const chunk of pseudoRandomChunks(seed, size)) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}
