// Name resolution flags as Docker's CLI checks them: `--add-host name:ip` (also
// `name=ip`, `[v6]` brackets, `host-gateway`), `--dns` (an IP, canonicalised),
// `--dns-search` (a domain, or `.`).
import { goQuote } from './go-values.ts';
import { canonicalIp } from './ip-address.ts';

export const HOST_GATEWAY = 'host-gateway';

/** The entry as the API takes it, `name:ip`. */
export function parseExtraHost(value: string): string {
  let sep = value.indexOf('=');
  if (sep < 0) sep = value.indexOf(':');
  const name = sep < 0 ? '' : value.slice(0, sep);
  if (sep < 0 || name === '' || name.includes(':')) {
    throw new Error(`bad format for add-host: ${goQuote(value)}`);
  }
  let ip = value.slice(sep + 1);
  if (ip !== HOST_GATEWAY) {
    if (ip.length > 2 && ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (canonicalIp(ip.trim()) === undefined) {
      throw new Error(`invalid IP address in add-host: ${goQuote(ip)}`);
    }
  }
  return `${name}:${ip}`;
}

export function parseDnsServer(value: string): string {
  const ip = canonicalIp(value.trim());
  if (ip === undefined) throw new Error(`IP address is not correctly formatted: ${value}`);
  return ip;
}

// Docker's pattern, `(:?` and all.
const DOMAIN =
  /^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))(:?\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])))*)\.?\s*$/;

export function parseDnsSearch(value: string): string {
  const v = value.replace(/^ +| +$/g, '');
  if (v === '.') return v;
  const m = /[a-zA-Z]/.test(v) ? DOMAIN.exec(v) : null;
  if (m && m[1]!.length < 255) return m[1]!;
  throw new Error(`${v} is not a valid domain`);
}
