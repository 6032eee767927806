// Picking a subnet for a network that names none: Docker's default pools in order
// (172.17-31.0.0/16, then 192.168.0-240.0/20), skipping every subnet that overlaps
// one of berth's networks or a route of the host (so a bridge never shadows the
// host's own LAN, docker0, or another daemon's bridge).
import { readFileSync } from 'node:fs';
import { BerthError } from '../util/errors.ts';
import { overlaps, parseSubnet, type Subnet } from './ipv4.ts';

function* candidates(): Generator<Subnet> {
  for (let b = 17; b <= 31; b++) yield parseSubnet(`172.${b}.0.0/16`);
  for (let c = 0; c <= 240; c += 16) yield parseSubnet(`192.168.${c}.0/20`);
}

/** The destinations of the host's IPv4 routes, default routes left out. */
export function hostRoutes(text = readFileSync('/proc/net/route', 'utf8')): Subnet[] {
  const out: Subnet[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    // /proc/net/route prints addresses as host-order (little-endian) hex.
    const le = (hex: string) => Buffer.from(hex, 'hex').readUInt32LE(0);
    const mask = le(f[7]!);
    if (mask === 0) continue;
    const prefix = 32 - Math.log2(2 ** 32 - mask);
    out.push({ base: le(f[1]!), prefix: Number.isInteger(prefix) ? prefix : 32 });
  }
  return out;
}

export function pickSubnet(taken: readonly Subnet[], routes: readonly Subnet[] = hostRoutes()): Subnet {
  for (const c of candidates()) {
    if (!taken.some((t) => overlaps(t, c)) && !routes.some((r) => overlaps(r, c))) return c;
  }
  throw new BerthError(
    'FailedPrecondition',
    'all predefined address pools have been fully subnetted: remove unused networks or give --subnet',
  );
}
