// Chain IDs name a stack of layers: chain(L1) = diffId(L1),
// chain(L1..Ln) = sha256(chain(L1..Ln-1) + " " + diffId(Ln)). Equal stacks
// share one unpacked directory per chain ID, whatever image they came from.
import { type Digest, digestOf } from '../oci/digest.ts';

export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const parent = out.at(-1);
    out.push(parent ? digestOf(`${parent} ${diffId}`) : diffId);
  }
  return out;
}
