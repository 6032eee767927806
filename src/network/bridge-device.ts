// A network's Linux bridge in the host's namespace: made when the network is made (not
// on the first container, as the CNI bridge plugin would), because berth's DNS server
// listens on its gateway address from the start. route_localnet lets a port published
// on 127.0.0.1 be forwarded to a container on it (see firewall.ts).
import { existsSync, writeFileSync } from 'node:fs';
import { BerthError } from '../util/errors.ts';
import { execHost, runHost } from './host-command.ts';

export interface BridgeDevice {
  name: string;
  /** `172.18.0.1/16`: the gateway with the subnet's prefix. */
  address: string;
  mtu?: number;
}

const IFNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

export function isValidInterfaceName(name: string): boolean {
  return IFNAME.test(name);
}

export async function ensureBridge(b: BridgeDevice): Promise<void> {
  const doing = `setting up bridge ${b.name}`;
  if (existsSync(`/sys/class/net/${b.name}`) && !existsSync(`/sys/class/net/${b.name}/bridge`))
    throw new BerthError(
      'Conflict',
      `existing interface ${b.name} is not a bridge: choose another bridge name (com.docker.network.bridge.name)`,
    );
  if (!existsSync(`/sys/class/net/${b.name}`)) {
    const r = await execHost('ip', ['link', 'add', b.name, 'type', 'bridge'], { doing });
    // another berth call made it meanwhile
    if (r.code !== 0 && !existsSync(`/sys/class/net/${b.name}`))
      throw new BerthError('Internal', `${doing}: ip link add: ${r.stderr.trim()}`);
  }
  const batch = [
    ...(b.mtu ? [`link set ${b.name} mtu ${b.mtu}`] : []),
    `addr replace ${b.address} dev ${b.name}`,
    `link set ${b.name} up`,
  ];
  await runHost('ip', ['-batch', '-'], { input: `${batch.join('\n')}\n`, doing });
  writeFileSync(`/proc/sys/net/ipv4/conf/${b.name}/route_localnet`, '1');
  writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
}

export async function removeBridge(name: string): Promise<void> {
  // only a bridge: never another interface that took the name meanwhile
  if (!existsSync(`/sys/class/net/${name}/bridge`)) return;
  await runHost('ip', ['link', 'del', name], { doing: `removing bridge ${name}` });
}

/** The bridge's IPv4 address with its prefix (`172.18.0.1/16`), when it exists and has one. */
export async function bridgeAddress(name: string): Promise<string | undefined> {
  if (!existsSync(`/sys/class/net/${name}`)) return undefined;
  const out = await runHost('ip', ['-j', '-4', 'addr', 'show', 'dev', name], {
    doing: `reading the address of ${name}`,
  });
  const info = (JSON.parse(out) as { addr_info?: { local?: string; prefixlen?: number }[] }[])[0]
    ?.addr_info?.[0];
  return info?.local ? `${info.local}/${info.prefixlen}` : undefined;
}
