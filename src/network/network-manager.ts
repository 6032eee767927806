// berth's networks: the default `bridge` network and user-defined bridge networks,
// and each container's place on them.
//
// How: the CNI plugins of Debian's containernetworking-plugins make the interfaces
// (`loopback`; `bridge` for the veth pair into the container's namespace, its address
// and routes; `host-local` for address allocation), because they are the reference
// implementation of exactly this job and need no netlink code in Node. berth itself
// makes the bridge device (bridge-device.ts), the firewall rules (isolation between
// networks, internal networks, masquerade, published ports: firewall.ts), binds the
// published ports (port-reservations.ts) and answers names (dns-server.ts on each
// user-defined network's gateway). IPv4 only.
//
// Durability: a container's namespace file, endpoints and ports are rows (network-
// store.ts) written before they are made and deleted after they are gone; `reconcile`
// tears down whatever a crash left for containers that no longer run.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, conflict, invalidArgument } from '../util/errors.ts';
import { isLoopbackAddress, parseResolvConf } from '../util/resolv-conf.ts';
import type { Db } from '../util/sqlite.ts';
import { bridgeAddress, ensureBridge, removeBridge } from './bridge-device.ts';
import { bridgeConfig, cniNetworkName, loopbackConfig } from './cni-config.ts';
import { callCniPlugin } from './cni-plugin.ts';
import { type DnsServer, startDnsServer } from './dns-server.ts';
import { setOwnerRules } from './firewall.ts';
import {
  contains,
  formatIpv4,
  formatSubnet,
  parseAddressWithPrefix,
  parseIpv4,
  parseSubnet,
} from './ipv4.ts';
import { createNetns, removeNetns } from './netns.ts';
import {
  BRIDGE_NAME_OPTION,
  MTU_OPTION,
  type NetworkCreateRequest,
  networkRecordFromRequest,
} from './network-create.ts';
import type { EndpointRecord, NetworkRecord, PortMapping } from './network-record.ts';
import { networkRules, portRules } from './network-rules.ts';
import { NetworkStore } from './network-store.ts';
import { type HeldPort, holdPort, type PortRequest } from './port-reservations.ts';

export interface NetworkManagerOptions {
  db: Db;
  /** berth's root: host-local's allocation files live under `<root>/network/ipam`. */
  root: string;
  /** Runtime state: namespace files under `<state>/netns`. */
  state: string;
  /** The default bridge network's device and, optionally, its `gateway/prefix`; null: none. */
  defaultBridge: { name: string; address?: string } | null;
  warn(message: string): void;
}

/** One network a container joins. */
export interface NetworkJoin {
  network: NetworkRecord;
  aliases: string[];
  /** A fixed address (`--ip`); user-defined networks only. */
  ip?: string;
}

export interface SandboxRequest {
  containerId: string;
  /** The names it answers to on user-defined networks (its name, its short ID). */
  names: string[];
  /** The first is the primary network: its gateway is the default route, its address gets the ports. */
  networks: NetworkJoin[];
  ports: (PortRequest & { containerPort: number })[];
  /** Upstream resolvers for names the DNS server does not know (the container's --dns). */
  dns: string[];
}

export interface Sandbox {
  netns: string;
  endpoints: EndpointRecord[];
  ports: PortMapping[];
}

const DEFAULT_NETWORK = 'bridge';
/** The default bridge network's Linux bridge (Docker's is docker0). */
export const DEFAULT_BRIDGE_NAME = 'berth0';
const DNS_PORT = 53;

const nowText = () => new Date().toISOString();
const newId = () => randomBytes(32).toString('hex');
const networkOwner = (n: NetworkRecord) => `net-${n.id.slice(0, 16)}`;
const containerOwner = (containerId: string) => `ctr-${containerId.slice(0, 16)}`;

export class NetworkManager {
  readonly store: NetworkStore;
  private readonly held = new Map<string, HeldPort[]>();
  private readonly dns = new Map<string, DnsServer>();
  /** Networks whose bridge, rules and DNS server this daemon has made sure of. */
  private readonly up = new Map<string, Promise<void>>();
  /** Serialises changes to one container's sandbox (start, connect, stop race otherwise). */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly o: NetworkManagerOptions) {
    this.store = new NetworkStore(o.db);
  }

  private get ipamDir(): string {
    return join(this.o.root, 'network', 'ipam');
  }

  netnsPath(containerId: string): string {
    return join(this.o.state, 'netns', containerId);
  }

  /** The built-in networks, the default bridge network recorded (or changed to the daemon's flags), user-defined networks up. */
  async open(): Promise<void> {
    for (const [name, driver] of [
      ['host', 'host'],
      ['none', 'null'],
    ] as const) {
      if (!this.store.list().some((n) => n.name === name))
        this.store.add({
          id: newId(),
          name,
          driver,
          created: nowText(),
          bridge: '',
          subnet: '',
          gateway: '',
          internal: false,
          attachable: false,
          options: {},
          labels: {},
          builtin: true,
        });
    }
    if (this.o.defaultBridge) await this.defaultNetworkRecord(this.o.defaultBridge);
    // The default bridge comes up with its first container (bringUpOnce): a daemon that runs
    // none on it makes no bridge. User-defined networks' DNS servers must listen from now.
    for (const n of this.store.list()) {
      if (n.driver !== 'bridge' || n.builtin) continue;
      await this.bringUpOnce(n).catch((e: Error) => this.o.warn(`network ${n.name}: ${e.message}`));
    }
  }

  private async defaultNetworkRecord(flags: { name: string; address?: string }): Promise<void> {
    const existing = this.store.list().find((n) => n.name === DEFAULT_NETWORK);
    // like docker0: a bridge that is there already keeps its address
    if (!flags.address && !existing) {
      const address = await bridgeAddress(flags.name);
      if (address) flags = { ...flags, address };
    }
    let subnet: string | undefined;
    let gateway: string | undefined;
    if (flags.address) {
      const bip = parseAddressWithPrefix(flags.address, '--bip');
      subnet = formatSubnet(bip.subnet);
      gateway = formatIpv4(bip.address);
    }
    if (
      existing &&
      existing.bridge === flags.name &&
      (!subnet || (existing.subnet === subnet && existing.gateway === gateway))
    )
      return;
    if (existing && this.store.endpoints({ networkId: existing.id }).length)
      throw new BerthError(
        'FailedPrecondition',
        `the default bridge network cannot change to ${flags.name} ${flags.address ?? ''} while containers are attached to it`,
      );
    const others = this.store.list().filter((n) => n.name !== DEFAULT_NETWORK);
    const record = networkRecordFromRequest(
      {
        Name: DEFAULT_NETWORK,
        IPAM: subnet ? { Config: [{ Subnet: subnet, Gateway: gateway }] } : null,
        Options: {
          'com.docker.network.bridge.default_bridge': 'true',
          'com.docker.network.bridge.enable_icc': 'true',
          'com.docker.network.bridge.enable_ip_masquerade': 'true',
          'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
          [BRIDGE_NAME_OPTION]: flags.name,
          [MTU_OPTION]: '1500',
        },
      },
      { id: existing?.id ?? newId(), existing: others, now: existing?.created ?? nowText() },
    );
    record.builtin = true;
    if (existing) this.store.save(record);
    else this.store.add(record);
  }

  /** The bridge, its rules and (user-defined networks) its DNS server, once per daemon. */
  private bringUpOnce(n: NetworkRecord): Promise<void> {
    let up = this.up.get(n.id);
    if (!up) {
      up = this.bringUp(n);
      this.up.set(n.id, up);
      up.catch(() => this.up.delete(n.id)); // the next container tries again
    }
    return up;
  }

  private async bringUp(n: NetworkRecord): Promise<void> {
    const prefix = n.subnet.split('/')[1];
    await ensureBridge({
      name: n.bridge,
      address: `${n.gateway}/${prefix}`,
      ...(n.mtu ? { mtu: n.mtu } : {}),
    });
    await setOwnerRules(networkOwner(n), networkRules(n));
    if (!n.builtin && !this.dns.has(n.id)) {
      try {
        const server = await startDnsServer({
          address: n.gateway,
          port: DNS_PORT,
          lookup: (name, client) => this.lookup(n.id, name, client),
        });
        this.dns.set(n.id, server);
      } catch (err) {
        this.o.warn(
          `network ${n.name}: no name resolution, the DNS server cannot listen on ${n.gateway}:53: ${(err as Error).message}`,
        );
      }
    }
  }

  /**
   * A question from `client` to the DNS server of network `networkId`: names on every
   * network the asking container is on count (this one first), as with Docker.
   */
  private lookup(
    networkId: string,
    name: string,
    client: string,
  ): { addresses: string[] } | { upstream: string[] } {
    const asking = this.store.endpoints({ networkId }).find((e) => e.ip === client);
    const networks = asking
      ? [networkId, ...this.store.endpoints({ containerId: asking.containerId }).map((e) => e.networkId)]
      : [networkId];
    for (const id of new Set(networks)) {
      const hits = this.store
        .endpoints({ networkId: id })
        .filter((e) => e.ip && e.names.some((n) => n.toLowerCase() === name))
        .map((e) => e.ip);
      if (hits.length) return { addresses: hits };
    }
    return { upstream: asking?.dns.length ? asking.dns : hostResolvers() };
  }

  list(): NetworkRecord[] {
    return this.store.list();
  }

  resolve(ref: string): NetworkRecord {
    return this.store.resolve(ref);
  }

  /** The default bridge network, or undefined when the daemon runs with `--bridge none`. */
  defaultNetwork(): NetworkRecord | undefined {
    if (!this.o.defaultBridge) return undefined;
    return this.store.list().find((n) => n.name === DEFAULT_NETWORK);
  }

  endpointsOf(networkId: string): EndpointRecord[] {
    return this.store.endpoints({ networkId });
  }

  async create(req: NetworkCreateRequest): Promise<NetworkRecord> {
    const record = networkRecordFromRequest(req, {
      id: newId(),
      existing: this.store.list(),
      now: nowText(),
    });
    this.store.add(record);
    try {
      await this.bringUpOnce(record);
    } catch (err) {
      await this.takeDown(record).catch(() => {});
      throw err;
    }
    return record;
  }

  async remove(ref: string): Promise<void> {
    const n = this.resolve(ref);
    if (n.builtin)
      throw new BerthError('PermissionDenied', `${n.name} is a pre-defined network and cannot be removed`);
    if (this.store.endpoints({ networkId: n.id }).length)
      throw conflict(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
    await this.takeDown(n);
  }

  private async takeDown(n: NetworkRecord): Promise<void> {
    await this.dns.get(n.id)?.close();
    this.dns.delete(n.id);
    this.up.delete(n.id);
    await setOwnerRules(networkOwner(n), []);
    await removeBridge(n.bridge);
    rmSync(join(this.ipamDir, cniNetworkName(n)), { recursive: true, force: true });
    this.store.remove(n.id);
  }

  private serial<T>(containerId: string, work: () => Promise<T>): Promise<T> {
    const before = this.locks.get(containerId) ?? Promise.resolve();
    const next = before.then(work, work);
    const settled = next.catch(() => {});
    this.locks.set(containerId, settled);
    settled.then(() => {
      if (this.locks.get(containerId) === settled) this.locks.delete(containerId);
    });
    return next;
  }

  /** The container's namespace, its interfaces on each network, its published ports. */
  setUp(req: SandboxRequest): Promise<Sandbox> {
    return this.serial(req.containerId, async () => {
      const netns = this.netnsPath(req.containerId);
      this.store.saveSandbox({ containerId: req.containerId, netns, ports: [] });
      try {
        await createNetns(netns);
        // lo comes up beside the first interface (both are independent plugin runs)
        const lo = callCniPlugin({
          command: 'ADD',
          containerId: req.containerId,
          netns,
          ifname: 'lo',
          config: loopbackConfig,
        });
        lo.catch(() => {}); // awaited below; a failure of eth0 first must not leave it unhandled
        const endpoints: EndpointRecord[] = [];
        for (const [i, join] of req.networks.entries()) {
          endpoints.push(await this.attach(req.containerId, netns, join, `eth${i}`, i === 0, req));
        }
        await lo;
        const ports = await this.publish(req, endpoints[0]);
        return { netns, endpoints, ports };
      } catch (err) {
        await this.release(req.containerId).catch((e: Error) => this.o.warn(e.message));
        throw err;
      }
    });
  }

  private async attach(
    containerId: string,
    netns: string,
    join: NetworkJoin,
    ifname: string,
    primary: boolean,
    req: Pick<SandboxRequest, 'names' | 'dns'>,
  ): Promise<EndpointRecord> {
    const n = join.network;
    if (n.driver !== 'bridge')
      throw invalidArgument(`container cannot be connected to network ${n.name} (driver ${n.driver})`);
    await this.bringUpOnce(n);
    if (join.ip) {
      if (n.builtin)
        throw invalidArgument('user specified IP address is supported on user defined networks only');
      if (!contains(parseSubnet(n.subnet), parseIpv4(join.ip, '--ip')))
        throw invalidArgument(
          `invalid address ${join.ip}: it does not belong to network ${n.name} (${n.subnet})`,
        );
    }
    const endpoint: EndpointRecord = {
      containerId,
      networkId: n.id,
      endpointId: newId(),
      ifname,
      ip: '',
      prefixLen: Number(n.subnet.split('/')[1]),
      gateway: n.gateway,
      mac: '',
      names: n.builtin ? [] : [...new Set([...req.names, ...join.aliases])],
      dns: req.dns,
    };
    this.store.saveEndpoint(endpoint);
    const result = await callCniPlugin({
      command: 'ADD',
      containerId,
      netns,
      ifname,
      ...(join.ip ? { args: { IP: join.ip } } : {}),
      config: bridgeConfig(n, { ipamDir: this.ipamDir, defaultRoute: primary }),
    }).catch((err: BerthError) => {
      if (join.ip && /not available|already reserved|allocated/i.test(err.message))
        throw conflict(`Address already in use: ${join.ip} on network ${n.name}`);
      throw err;
    });
    const ip = result.ips?.[0];
    if (!ip)
      throw new BerthError('Internal', `the bridge plugin gave ${ifname} no address on network ${n.name}`);
    endpoint.ip = ip.address.split('/')[0]!;
    endpoint.mac = result.interfaces?.find((i) => i.name === ifname && i.sandbox)?.mac ?? '';
    this.store.saveEndpoint(endpoint);
    return endpoint;
  }

  private async publish(req: SandboxRequest, primary: EndpointRecord | undefined): Promise<PortMapping[]> {
    if (!req.ports.length) return [];
    if (!primary) throw invalidArgument('ports can be published only for a container on a bridge network');
    const held: HeldPort[] = [];
    this.held.set(req.containerId, held);
    for (const p of req.ports) {
      const h = await holdPort(p);
      h.target = { ip: primary.ip, port: p.containerPort };
      held.push(h);
    }
    const ports = held.map((h, i) => ({
      protocol: h.protocol,
      hostIp: h.hostIp,
      hostPort: h.hostPort,
      containerPort: req.ports[i]!.containerPort,
    }));
    this.store.saveSandbox({ containerId: req.containerId, netns: this.netnsPath(req.containerId), ports });
    await setOwnerRules(
      containerOwner(req.containerId),
      portRules(ports.map((p) => ({ ...p, containerIp: primary.ip }))),
    );
    return ports;
  }

  /** Join a running container's namespace to one more network. */
  connect(
    containerId: string,
    join: NetworkJoin,
    req: Pick<SandboxRequest, 'names' | 'dns'>,
  ): Promise<EndpointRecord> {
    return this.serial(containerId, async () => {
      const sandbox = this.store.sandbox(containerId);
      if (!sandbox)
        throw new BerthError(
          'FailedPrecondition',
          `container ${containerId.slice(0, 12)} has no network namespace`,
        );
      const mine = this.store.endpoints({ containerId });
      if (mine.some((e) => e.networkId === join.network.id))
        throw conflict(
          `endpoint with name ${containerId.slice(0, 12)} already exists in network ${join.network.name}`,
        );
      const used = new Set(mine.map((e) => e.ifname));
      let i = 0;
      while (used.has(`eth${i}`)) i++;
      try {
        return await this.attach(containerId, sandbox.netns, join, `eth${i}`, false, req);
      } catch (err) {
        await this.detach(containerId, join.network.id).catch(() => {});
        throw err;
      }
    });
  }

  disconnect(containerId: string, networkId: string): Promise<void> {
    return this.serial(containerId, () => this.detach(containerId, networkId));
  }

  private async detach(containerId: string, networkId: string): Promise<void> {
    const e = this.store.endpoints({ containerId, networkId })[0];
    if (!e) return;
    const n = this.store.get(networkId);
    const netns = this.store.sandbox(containerId)?.netns ?? '';
    if (n)
      await callCniPlugin({
        command: 'DEL',
        containerId,
        netns,
        ifname: e.ifname,
        config: bridgeConfig(n, { ipamDir: this.ipamDir, defaultRoute: false }),
      });
    this.store.removeEndpoint(containerId, networkId);
  }

  /** A renamed container answers to its new name (its endpoints' rows are what the DNS server reads). */
  renameContainer(containerId: string, from: string, to: string): void {
    for (const e of this.store.endpoints({ containerId })) {
      if (!e.names.includes(from)) continue;
      this.store.saveEndpoint({ ...e, names: e.names.map((n) => (n === from ? to : n)) });
    }
  }

  /** Everything the container's network held: ports, rules, interfaces, addresses, namespace. */
  tearDown(containerId: string): Promise<void> {
    return this.serial(containerId, () => this.release(containerId));
  }

  private async release(containerId: string): Promise<void> {
    for (const h of this.held.get(containerId) ?? []) h.close();
    this.held.delete(containerId);
    const sandbox = this.store.sandbox(containerId);
    // the rows are written before anything is made: no rows, nothing to undo
    if (!sandbox && !this.store.endpoints({ containerId }).length) return;
    // independent: the rules, and each interface with its address. The namespace goes after:
    // the bridge plugin refuses a namespace file that is unmounted but not yet deleted.
    await Promise.all([
      sandbox?.ports.length ? setOwnerRules(containerOwner(containerId), []) : undefined,
      ...this.store.endpoints({ containerId }).map((e) => this.detach(containerId, e.networkId)),
    ]);
    await removeNetns(sandbox?.netns ?? this.netnsPath(containerId));
    this.store.removeSandbox(containerId);
  }

  /**
   * After a start of the daemon: tear down what belongs to containers that do not run
   * (a crash mid-start or mid-stop, or containers that ended while no daemon was
   * there), and bind the published ports of those that do again.
   */
  async reconcile(running: ReadonlySet<string>): Promise<void> {
    const owners = new Set<string>([
      ...this.store.sandboxes().map((s) => s.containerId),
      ...this.store.endpoints().map((e) => e.containerId),
    ]);
    for (const id of owners) {
      if (!running.has(id)) {
        await this.tearDown(id).catch((e: Error) =>
          this.o.warn(`cleaning up the network of ${id.slice(0, 12)}: ${e.message}`),
        );
        continue;
      }
      await this.rebind(id);
    }
    const dir = join(this.o.state, 'netns');
    for (const name of safeReaddir(dir)) {
      if (!running.has(name)) await removeNetns(join(dir, name)).catch(() => {});
    }
  }

  private async rebind(containerId: string): Promise<void> {
    if (this.held.has(containerId)) return;
    const sandbox = this.store.sandbox(containerId);
    const primary = this.store.endpoints({ containerId })[0];
    if (!sandbox?.ports.length || !primary) return;
    const held: HeldPort[] = [];
    for (const p of sandbox.ports) {
      try {
        const h = await holdPort({ protocol: p.protocol, hostIp: p.hostIp, hostPort: String(p.hostPort) });
        h.target = { ip: primary.ip, port: p.containerPort };
        held.push(h);
      } catch (err) {
        this.o.warn(`container ${containerId.slice(0, 12)}: ${(err as Error).message}`);
      }
    }
    this.held.set(containerId, held);
  }

  /** Stop answering names and let go of the ports; containers and their networks stay. */
  async close(): Promise<void> {
    for (const s of this.dns.values()) await s.close().catch(() => {});
    this.dns.clear();
    for (const held of this.held.values()) for (const h of held) h.close();
    this.held.clear();
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The host's nameservers a container can reach (not its loopback ones). */
function hostResolvers(): string[] {
  try {
    return parseResolvConf(readFileSync('/etc/resolv.conf', 'utf8')).nameservers.filter(
      (ip) => !isLoopbackAddress(ip),
    );
  } catch {
    return [];
  }
}
