// `POST /networks/create` checked and turned into a network record: Docker's fields,
// Docker's defaults (a free /16 from the pools, the first address as gateway, bridge
// `br-<id12>`), and a clear error for anything berth cannot honour. Pure: the caller
// makes the bridge.
import { BerthError, conflict, invalidArgument } from '../util/errors.ts';
import { isValidInterfaceName } from './bridge-device.ts';
import {
  contains,
  firstHost,
  formatIpv4,
  formatSubnet,
  lastHost,
  overlaps,
  parseIpv4,
  parseSubnet,
  type Subnet,
} from './ipv4.ts';
import type { NetworkRecord } from './network-record.ts';
import { pickSubnet } from './subnet-pool.ts';

export interface NetworkCreateRequest {
  Name?: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  EnableIPv6?: boolean;
  IPAM?: {
    Driver?: string;
    Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[] | null;
    Options?: Record<string, string> | null;
  } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';
export const MTU_OPTION = 'com.docker.network.driver.mtu';
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function networkRecordFromRequest(
  req: NetworkCreateRequest,
  ctx: {
    id: string;
    existing: readonly NetworkRecord[];
    routes?: Parameters<typeof pickSubnet>[1];
    now: string;
  },
): NetworkRecord {
  const name = req.Name ?? '';
  if (!NAME.test(name))
    throw invalidArgument(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (ctx.existing.some((n) => n.name === name)) throw conflict(`network with name ${name} already exists`);
  const driver = req.Driver || 'bridge';
  if (driver !== 'bridge')
    throw invalidArgument(`network driver "${driver}" is not supported: berth makes bridge networks only`);
  if (req.EnableIPv6) throw new BerthError('NotImplemented', 'IPv6 networks are not supported by berth yet');
  if (req.Ingress) throw invalidArgument('ingress networks need swarm mode, which berth does not have');
  const ipamDriver = req.IPAM?.Driver || 'default';
  if (ipamDriver !== 'default')
    throw invalidArgument(`IPAM driver "${ipamDriver}" is not supported: use "default"`);
  const configs = req.IPAM?.Config ?? [];
  if (configs.length > 1) throw invalidArgument('berth networks take one subnet (one --subnet)');
  const conf = configs[0] ?? {};

  const taken = ctx.existing.filter((n) => n.driver === 'bridge').map((n) => parseSubnet(n.subnet));
  let subnet: Subnet;
  if (conf.Subnet) {
    subnet = parseSubnet(conf.Subnet);
    if (subnet.prefix > 30) throw invalidArgument(`subnet ${conf.Subnet} is too small: at most /30`);
    const clash = ctx.existing.find((n) => n.driver === 'bridge' && overlaps(parseSubnet(n.subnet), subnet!));
    if (clash)
      throw conflict(
        `Pool overlaps with other one on this address space: ${conf.Subnet} and network ${clash.name} (${clash.subnet})`,
      );
  } else {
    if (conf.Gateway || conf.IPRange)
      throw invalidArgument('a gateway or an ip-range needs a subnet (--subnet)');
    subnet = pickSubnet(taken, ctx.routes);
  }
  const gateway = conf.Gateway ? parseIpv4(conf.Gateway, 'gateway') : firstHost(subnet);
  if (gateway < firstHost(subnet) || gateway > lastHost(subnet))
    throw invalidArgument(
      `gateway ${formatIpv4(gateway)} is not a host address of subnet ${formatSubnet(subnet)}`,
    );
  if (conf.IPRange) {
    const range = parseSubnet(conf.IPRange, 'ip-range');
    if (!contains(subnet, range.base) || range.prefix < subnet.prefix)
      throw invalidArgument(`ip-range ${conf.IPRange} is not inside subnet ${formatSubnet(subnet)}`);
  }

  const options = { ...(req.Options ?? {}) };
  const bridge = options[BRIDGE_NAME_OPTION] || `br-${ctx.id.slice(0, 12)}`;
  if (!isValidInterfaceName(bridge))
    throw invalidArgument(`invalid bridge name "${bridge}": 1-15 characters of [A-Za-z0-9_.-]`);
  const user = ctx.existing.find((n) => n.bridge === bridge);
  if (user) throw conflict(`bridge ${bridge} is already used by network ${user.name}`);
  let mtu: number | undefined;
  if (options[MTU_OPTION] !== undefined) {
    mtu = Number(options[MTU_OPTION]);
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535)
      throw invalidArgument(`invalid MTU "${options[MTU_OPTION]}": a number from 68 to 65535`);
  }
  return {
    id: ctx.id,
    name,
    driver: 'bridge',
    created: ctx.now,
    bridge,
    subnet: formatSubnet(subnet),
    gateway: formatIpv4(gateway),
    ...(conf.IPRange ? { ipRange: conf.IPRange } : {}),
    internal: !!req.Internal,
    attachable: !!req.Attachable,
    ...(mtu ? { mtu } : {}),
    options,
    labels: { ...(req.Labels ?? {}) },
    builtin: false,
  };
}
