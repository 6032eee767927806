// IP addresses as Go's net.ParseIP reads them and net.IP.String prints them:
// dotted IPv4 without leading zeros, IPv6 in its shortest form, an
// IPv4-mapped IPv6 address printed as IPv4.
import { isIPv4, isIPv6 } from 'node:net';

/** The canonical text of an IP address, or undefined if `text` is not one. */
export function canonicalIp(text: string): string | undefined {
  if (isIPv4(text)) return text;
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const short = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(short);
  if (mapped) {
    const hi = Number.parseInt(mapped[1]!, 16);
    const lo = Number.parseInt(mapped[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return short;
}

export const isIp = (text: string): boolean => canonicalIp(text) !== undefined;

export const isLoopbackIp = (ip: string): boolean => ip === '::1' || /^127\./.test(ip);
