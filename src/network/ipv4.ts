// IPv4 addresses and CIDR subnets as numbers: parsing with the user's words in the
// error, containment and overlap, and the n-th address of a subnet. berth's networks
// are IPv4 only (see network-manager.ts).
import { invalidArgument } from '../util/errors.ts';

export interface Subnet {
  /** The network address, as a 32-bit unsigned number. */
  readonly base: number;
  readonly prefix: number;
}

export function parseIpv4(text: string, what = 'IP address'): number {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255))
    throw invalidArgument(`invalid ${what} "${text}": want four numbers 0-255, e.g. 172.18.0.5`);
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** `172.18.0.0/16`; a host part that is not zero is refused (Docker: "invalid subnet"). */
export function parseSubnet(text: string, what = 'subnet', opts: { allowHostBits?: boolean } = {}): Subnet {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m || Number(m[2]) > 32)
    throw invalidArgument(`invalid ${what} "${text}": want CIDR, e.g. 172.18.0.0/16`);
  const prefix = Number(m[2]);
  const addr = parseIpv4(m[1]!, what);
  const base = (addr & maskOf(prefix)) >>> 0;
  if (base !== addr && !opts.allowHostBits)
    throw invalidArgument(
      `invalid ${what} "${text}": it has host bits set; did you mean ${formatSubnet({ base, prefix })}?`,
    );
  return { base, prefix };
}

/** `172.18.0.1/16` (an address with its prefix) → the address and its subnet. */
export function parseAddressWithPrefix(text: string, what: string): { address: number; subnet: Subnet } {
  const subnet = parseSubnet(text, what, { allowHostBits: true });
  return { address: parseIpv4(text.split('/')[0]!, what), subnet };
}

export function formatSubnet(s: Subnet): string {
  return `${formatIpv4(s.base)}/${s.prefix}`;
}

export const subnetSize = (s: Subnet): number => 2 ** (32 - s.prefix);

export function contains(s: Subnet, address: number): boolean {
  return address >= s.base && address < s.base + subnetSize(s);
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.base < b.base + subnetSize(b) && b.base < a.base + subnetSize(a);
}

/** The first usable host address (the conventional gateway). */
export const firstHost = (s: Subnet): number => s.base + 1;
/** The last usable host address (before the broadcast address). */
export const lastHost = (s: Subnet): number => s.base + subnetSize(s) - 2;
