// Whether a registry may be spoken to without verified TLS, by Docker's rules:
// it is listed by name (`host:port`) in insecure-registries, or it is, or
// resolves to, an address inside a listed CIDR or the loopback ranges
// (127.0.0.0/8, ::1). Such a registry is tried over HTTPS without certificate
// verification first, then over plain HTTP.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { RegistryConfig } from './registry-config.ts';

/** `host[:port]` split; IPv6 addresses lose their brackets. */
export function splitHostPort(host: string): { hostname: string; port?: string } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (m) return { hostname: m[1], port: m[2] };
  const colon = host.lastIndexOf(':');
  if (colon > 0 && host.indexOf(':') === colon)
    return { hostname: host.slice(0, colon), port: host.slice(colon + 1) };
  return { hostname: host };
}

function blockListOf(config: RegistryConfig): BlockList {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
  for (const entry of config.insecureRegistries) {
    if (!entry.includes('/')) continue;
    const [ip, bits] = entry.split('/');
    list.addSubnet(ip, Number(bits), isIP(ip) === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

const inList = (list: BlockList, ip: string) => list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');

/** Whether `host` (as a reference names it: `host[:port]`) is an insecure registry. */
export async function isInsecureRegistry(host: string, config: RegistryConfig): Promise<boolean> {
  const { hostname } = splitHostPort(host);
  if (config.insecureRegistries.includes(host)) return true;
  if (hostname === 'localhost') return true;
  const list = blockListOf(config);
  if (isIP(hostname)) return inList(list, hostname);
  try {
    const addresses = await lookup(hostname, { all: true });
    return addresses.some((a) => inList(list, a.address));
  } catch {
    return false; // a name that does not resolve fails later, when it is connected to
  }
}
