// The three files Docker bind-mounts over a container's /etc: hostname, hosts and
// resolv.conf, written into a directory berth owns for the container.
//
// hosts: Docker's localhost and IPv6 lines, then ExtraHosts (`name:ip`; `host-gateway` is
// the engine's gateway address, or 127.0.0.1 where none is known), then the container's own
// name for each of its addresses. With the host's network: the host's /etc/hosts, then the
// ExtraHosts.
// resolv.conf: the host's, with loopback nameservers dropped for a container with its own
// network namespace (they would point at the container itself; Google's public servers
// when none is left, as Docker does); Dns, DnsSearch and DnsOptions replace the host's
// nameservers, search domains and options. A host that runs systemd-resolved (only
// 127.0.0.53 in /etc/resolv.conf) is read from /run/systemd/resolve/resolv.conf instead.
import { readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { invalidArgument } from '../../util/errors.ts';
import { isLoopbackAddress, parseResolvConf } from '../../util/resolv-conf.ts';

export const DEFAULT_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** Docker's nameservers for a container whose host has only loopback ones. */
export const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

export interface HostEntry {
  name: string;
  ip: string;
}

/** ExtraHosts entries (`name:ip`, IPv6 possibly in brackets; `host-gateway` resolved). */
export function parseExtraHosts(
  entries: readonly string[] | null | undefined,
  hostGateway: string,
): HostEntry[] {
  return (entries ?? []).map((entry) => {
    const sep = entry.indexOf(':');
    const name = sep < 0 ? '' : entry.slice(0, sep).trim();
    let ip = sep < 0 ? '' : entry.slice(sep + 1).trim();
    if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (ip === 'host-gateway') ip = hostGateway;
    if (!name || !isIP(ip)) {
      throw invalidArgument(
        `invalid ExtraHosts entry ${JSON.stringify(entry)}: want "name:ip", e.g. "db:10.0.0.5"`,
      );
    }
    return { name, ip };
  });
}

export function etcHosts(opts: {
  /** The host's /etc/hosts, for a container on the host's network. */
  hostHosts?: string;
  extraHosts: readonly HostEntry[];
  hostname: string;
  domainname?: string;
  /** The container's own addresses (none without a network). */
  addresses?: readonly string[];
}): string {
  const lines: string[] = [];
  if (opts.hostHosts !== undefined) {
    lines.push(...opts.hostHosts.replace(/\n+$/, '').split('\n'));
  } else {
    lines.push(...DEFAULT_HOSTS);
  }
  for (const h of opts.extraHosts) lines.push(`${h.ip}\t${h.name}`);
  const self = opts.domainname ? `${opts.hostname}.${opts.domainname} ${opts.hostname}` : opts.hostname;
  for (const ip of opts.addresses ?? []) lines.push(`${ip}\t${self}`);
  return `${lines.join('\n')}\n`;
}

export function resolvConf(opts: {
  hostResolvConf: string;
  /** The container shares the host's network: its loopback nameservers work. */
  hostNetwork: boolean;
  dns?: readonly string[] | null;
  dnsSearch?: readonly string[] | null;
  dnsOptions?: readonly string[] | null;
}): string {
  const host = parseResolvConf(opts.hostResolvConf);
  const dns = opts.dns?.length ? [...opts.dns] : undefined;
  const search = opts.dnsSearch?.length ? opts.dnsSearch.filter((s) => s !== '.') : undefined;
  const options = opts.dnsOptions?.length ? [...opts.dnsOptions] : undefined;
  for (const ns of dns ?? []) {
    if (!isIP(ns)) throw invalidArgument(`invalid Dns entry "${ns}": want an IP address`);
  }
  let nameservers = dns ?? host.nameservers;
  let filtered = false;
  if (!dns && !opts.hostNetwork) {
    const kept = nameservers.filter((ns) => !isLoopbackAddress(ns));
    if (kept.length !== nameservers.length || kept.length === 0) {
      nameservers = kept.length ? kept : [...FALLBACK_NAMESERVERS];
      filtered = true;
    }
  }
  if (!dns && !search && !options && !filtered && host.nameservers.length > 0) {
    return opts.hostResolvConf.endsWith('\n') ? opts.hostResolvConf : `${opts.hostResolvConf}\n`;
  }
  const lines = nameservers.map((ns) => `nameserver ${ns}`);
  const searchList = search ?? host.search;
  if (searchList.length) lines.push(`search ${searchList.join(' ')}`);
  const optionList = options ?? host.options;
  if (optionList.length) lines.push(`options ${optionList.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** The host's resolver configuration as a container should start from. */
export function readHostResolvConf(): string {
  let text = '';
  try {
    text = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {}
  const ns = parseResolvConf(text).nameservers;
  if (ns.length > 0 && ns.every((n) => n === '127.0.0.53')) {
    try {
      return readFileSync('/run/systemd/resolve/resolv.conf', 'utf8');
    } catch {}
  }
  return text;
}

export function readHostHosts(): string {
  try {
    return readFileSync('/etc/hosts', 'utf8');
  } catch {
    return `${DEFAULT_HOSTS.join('\n')}\n`;
  }
}

export const NETWORK_FILES = ['hostname', 'hosts', 'resolv.conf'] as const;

/** Write the three files into `dir`; returns their paths by name. */
export function writeNetworkFiles(
  dir: string,
  content: { hostname: string; hosts: string; resolvConf: string },
): { hostname: string; hosts: string; 'resolv.conf': string } {
  const paths = {
    hostname: join(dir, 'hostname'),
    hosts: join(dir, 'hosts'),
    'resolv.conf': join(dir, 'resolv.conf'),
  };
  writeFileSync(paths.hostname, `${content.hostname}\n`, { mode: 0o644 });
  writeFileSync(paths.hosts, content.hosts, { mode: 0o644 });
  writeFileSync(paths['resolv.conf'], content.resolvConf, { mode: 0o644 });
  return paths;
}
