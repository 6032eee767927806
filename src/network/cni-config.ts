// The CNI configurations berth hands the plugins for a network: `bridge` with
// `host-local` addresses (its files under `<root>/network/ipam/<name>/`) and, for the
// container's primary network only, a default route through the gateway. berth does
// masquerading and port publishing itself (firewall.ts), not the plugins: one rule per
// network instead of a chain per container, and nothing left in shared chains.
import { CNI_VERSION } from './cni-plugin.ts';
import { firstHost, formatIpv4, lastHost, parseSubnet, subnetSize } from './ipv4.ts';
import type { NetworkRecord } from './network-record.ts';

/** The name the plugins know the network by (host-local's directory; no user text in it). */
export const cniNetworkName = (n: NetworkRecord): string => `berth-${n.id.slice(0, 12)}`;

export function bridgeConfig(n: NetworkRecord, opts: { ipamDir: string; defaultRoute: boolean }) {
  const range: Record<string, string> = { subnet: n.subnet, gateway: n.gateway };
  if (n.ipRange) {
    // Docker's sub-pool: every address of the range that is a host address of the subnet
    const r = parseSubnet(n.ipRange, 'ip-range');
    const subnet = parseSubnet(n.subnet);
    range.rangeStart = formatIpv4(Math.max(r.base, firstHost(subnet)));
    range.rangeEnd = formatIpv4(Math.min(r.base + subnetSize(r) - 1, lastHost(subnet)));
  }
  return {
    cniVersion: CNI_VERSION,
    name: cniNetworkName(n),
    type: 'bridge',
    bridge: n.bridge,
    isGateway: true,
    ipMasq: false,
    hairpinMode: true,
    ...(n.mtu ? { mtu: n.mtu } : {}),
    ipam: {
      type: 'host-local',
      dataDir: opts.ipamDir,
      ranges: [[range]],
      ...(opts.defaultRoute && !n.internal ? { routes: [{ dst: '0.0.0.0/0' }] } : {}),
    },
  };
}

export const loopbackConfig = { cniVersion: CNI_VERSION, name: 'berth-loopback', type: 'loopback' };
