// `--network` (repeatable; also the `name=net,alias=a,ip=…` form) with
// `--network-alias`, `--ip`, `--ip6` and `--link`, into HostConfig.NetworkMode
// and NetworkingConfig.EndpointsConfig as Docker's CLI builds them: the plain
// flags apply to the first network; one network with nothing to say about its
// endpoint sends no endpoint.

import { isIPv4, isIPv6 } from 'node:net';
import type { EndpointSettings } from '../../engine/container-config.ts';
import { readCsvRecord } from './csv-record.ts';
import { goQuote } from './go-values.ts';
import { canonicalIp } from './ip-address.ts';

/** Endpoint settings Docker's API has and container-config.ts does not (yet) list. */
export type EndpointRequest = EndpointSettings & {
  DriverOpts?: Record<string, string>;
  GwPriority?: number;
};

interface Attachment {
  target: string;
  aliases: string[];
  ipv4?: string;
  ipv6?: string;
  links: string[];
  driverOpts?: Record<string, string>;
  gwPriority?: number;
}

export interface NetworkFlags {
  readonly networks: readonly string[];
  readonly aliases: readonly string[];
  readonly ip?: string;
  readonly ip6?: string;
  readonly links: readonly string[];
}

export interface NetworkSettings {
  readonly networkMode: string;
  readonly endpoints: Record<string, EndpointRequest>;
}

const isUserDefined = (mode: string): boolean =>
  !['default', 'bridge', 'host', 'none'].includes(mode) && !mode.startsWith('container:');

/** One `--network` value. */
export function parseNetworkFlag(value: string): Attachment {
  if (!/\w+=\w+(,\w+=\w+)*/.test(value)) return { target: value, aliases: [], links: [] };
  const n: Attachment = { target: '', aliases: [], links: [] };
  for (const field of readCsvRecord(value)) {
    const eq = field.indexOf('=');
    if (eq < 0) throw new Error(`invalid field ${field}`);
    const key = field.slice(0, eq).trim().toLowerCase();
    // Docker's CLI lower-cases the values too (network names and aliases included).
    const val = field
      .slice(eq + 1)
      .trim()
      .toLowerCase();
    switch (key) {
      case 'name':
        n.target = val;
        break;
      case 'alias':
        n.aliases.push(val);
        break;
      case 'ip':
        n.ipv4 = val;
        break;
      case 'ip6':
        n.ipv6 = val;
        break;
      case 'driver-opt': {
        const deq = val.indexOf('=');
        if (deq < 0) throw new Error('invalid key value pair format in driver options');
        n.driverOpts = {
          ...n.driverOpts,
          [val.slice(0, deq).trim().toLowerCase()]: val.slice(deq + 1).trim(),
        };
        break;
      }
      case 'gw-priority':
        if (!/^[+-]?[0-9]+$/.test(val)) throw new Error(`invalid gw-priority value ${val}`);
        n.gwPriority = Number.parseInt(val, 10);
        break;
      default:
        throw new Error(`invalid field key ${key}`);
    }
  }
  if (n.target === '') throw new Error('network name/id is not specified');
  return n;
}

/** `--ip` / `--ip6`: pflag's check of an IP value, and the family the flag wants. */
export function parseIpFlag(value: string, family: 4 | 6): string {
  const ip = canonicalIp(value.trim());
  if (ip === undefined || (family === 4 ? !isIPv4(ip) : !isIPv6(value.trim()))) {
    throw new Error(`invalid string being converted to IP address: ${value}`);
  }
  return family === 4 ? ip : value.trim();
}

function endpointOf(n: Attachment): EndpointRequest {
  if (n.target.trim() === '') throw new Error('no name set for network');
  if (!isUserDefined(n.target)) {
    if (n.aliases.length)
      throw new Error('network-scoped aliases are only supported for user-defined networks');
    if (n.links.length) throw new Error('links are only supported for user-defined networks');
  }
  const ep: EndpointRequest = {};
  if (n.aliases.length) ep.Aliases = [...n.aliases];
  if (n.links.length) ep.Links = [...n.links];
  if (n.ipv4 || n.ipv6) {
    ep.IPAMConfig = {};
    if (n.ipv4) ep.IPAMConfig.IPv4Address = n.ipv4;
    if (n.ipv6) ep.IPAMConfig.IPv6Address = n.ipv6;
  }
  if (n.driverOpts) ep.DriverOpts = n.driverOpts;
  if (n.gwPriority) ep.GwPriority = n.gwPriority;
  return ep;
}

function applyContainerOptions(n: Attachment, f: NetworkFlags): void {
  if (n.aliases.length && f.aliases.length) {
    throw new Error('conflicting options: cannot specify both --network-alias and per-network alias');
  }
  if (n.ipv4 && f.ip)
    throw new Error('conflicting options: cannot specify both --ip and per-network IPv4 address');
  if (n.ipv6 && f.ip6)
    throw new Error('conflicting options: cannot specify both --ip6 and per-network IPv6 address');
  if (f.aliases.length) n.aliases = [...f.aliases];
  if (isUserDefined(n.target) && f.links.length) n.links = [...f.links];
  if (f.ip) n.ipv4 = f.ip;
  if (f.ip6) n.ipv6 = f.ip6;
}

const isEmpty = (ep: EndpointRequest) => Object.keys(ep).length === 0;

export function buildNetworkSettings(f: NetworkFlags): NetworkSettings {
  const attachments = f.networks.map(parseNetworkFlag);
  const endpoints: Record<string, EndpointRequest> = {};
  if (attachments.length === 0) {
    const n: Attachment = { target: 'default', aliases: [], links: [] };
    applyContainerOptions(n, f);
    const ep = endpointOf(n);
    if (!isEmpty(ep)) endpoints.default = ep;
    return { networkMode: 'default', endpoints };
  }
  let userDefined = false;
  let other = false;
  attachments.forEach((n, i) => {
    if (isUserDefined(n.target)) userDefined = true;
    else other = true;
    if (i === 0) applyContainerOptions(n, f);
    const ep = endpointOf(n);
    if (Object.hasOwn(endpoints, n.target)) {
      throw new Error(`network ${goQuote(n.target)} is specified multiple times`);
    }
    if (i === 0 && attachments.length === 1 && isEmpty(ep)) return;
    endpoints[n.target] = ep;
  });
  if (userDefined && other) {
    throw new Error(
      'conflicting options: cannot attach both user-defined and non-user-defined network-modes',
    );
  }
  return { networkMode: attachments[0]!.target, endpoints };
}
