// `--subnet`, `--ip-range`, `--gateway` and `--aux-address` of `network create`
// into the IPAM configs of the request, checked as Docker's CLI checks them before
// it asks the daemon: subnets must not overlap, and every range, gateway and
// auxiliary address must fall in exactly one subnet (one range and one gateway
// per subnet). Docker's messages, so scripts matching them keep working.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { invalidArgument } from '../../util/errors.ts';

/** One entry of `IPAM.Config` in `POST /networks/create`. */
export interface IpamConfig {
  Subnet: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface IpamFlags {
  readonly subnets: readonly string[];
  readonly ranges: readonly string[];
  readonly gateways: readonly string[];
  /** `--aux-address name=ip`, already split. */
  readonly auxAddresses: Readonly<Record<string, string>>;
}

type Family = 'ipv4' | 'ipv6';

const familyOf = (ip: string): Family | undefined => (isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined);

interface Cidr {
  readonly text: string;
  /** The address as written (Go's ParseCIDR keeps it beside the network). */
  readonly address: string;
  readonly family: Family;
  readonly prefix: number;
}

/** `10.1.0.0/16` or `fd00::/64`, as Go's net.ParseCIDR accepts them. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  const family = familyOf(address);
  if (!family || !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > (family === 'ipv4' ? 32 : 128)) return undefined;
  return { text, address, family, prefix };
}

function subnetCidr(text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw invalidArgument(`invalid subnet: invalid CIDR address: ${text}`);
  return cidr;
}

/** Whether `data` (an address, or a CIDR whose address is taken) lies in `subnet`. */
function subnetHolds(subnet: Cidr, data: string): boolean {
  const address = data.includes('/') ? parseCidr(data)?.address : data;
  const family = address === undefined ? undefined : familyOf(address);
  if (!family || family !== subnet.family) return false;
  const list = new BlockList();
  list.addSubnet(subnet.address, subnet.prefix, subnet.family);
  return list.check(address!, family);
}

export function consolidateIpam(flags: IpamFlags): IpamConfig[] {
  if (flags.subnets.length < flags.ranges.length || flags.subnets.length < flags.gateways.length)
    throw invalidArgument('every ip-range or gateway must have a corresponding subnet');
  const subnets: Cidr[] = [];
  const configs = new Map<string, IpamConfig>();
  for (const text of flags.subnets) {
    const cidr = subnetCidr(text);
    if (subnets.some((s) => subnetHolds(s, cidr.text) || subnetHolds(cidr, s.text)))
      throw invalidArgument('multiple overlapping subnet configuration is not supported');
    subnets.push(cidr);
    configs.set(text, { Subnet: text });
  }
  const place = (what: 'range' | 'gateway', value: string, set: (c: IpamConfig) => string | undefined) => {
    if (what === 'range' ? !parseCidr(value) : !familyOf(value))
      throw invalidArgument(
        what === 'range'
          ? `invalid ip-range: invalid CIDR address: ${value}`
          : `invalid gateway: "${value}" is not an IP address`,
      );
    const holders = subnets.filter((s) => subnetHolds(s, value));
    if (!holders.length) throw invalidArgument(`no matching subnet for ${what} ${value}`);
    for (const s of holders) {
      const previous = set(configs.get(s.text)!);
      if (previous !== undefined)
        throw invalidArgument(
          what === 'range'
            ? `cannot configure multiple ranges (${value}, ${previous}) on the same subnet (${s.text})`
            : `cannot configure multiple gateways (${value}, ${previous}) for the same subnet (${s.text})`,
        );
    }
  };
  for (const r of flags.ranges) {
    place('range', r, (c) => {
      const previous = c.IPRange;
      c.IPRange ??= r;
      return previous;
    });
  }
  for (const g of flags.gateways) {
    place('gateway', g, (c) => {
      const previous = c.Gateway;
      c.Gateway ??= g;
      return previous;
    });
  }
  for (const [name, ip] of Object.entries(flags.auxAddresses)) {
    const holders = subnets.filter((s) => subnetHolds(s, ip));
    if (!holders.length) throw invalidArgument(`no matching subnet for aux-address ${ip}`);
    for (const s of holders) {
      const c = configs.get(s.text)!;
      c.AuxiliaryAddresses = { ...c.AuxiliaryAddresses, [name]: ip };
    }
  }
  return [...configs.values()];
}
