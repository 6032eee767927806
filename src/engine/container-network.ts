// A container's networks as the engine sees them: which networks a create request
// asks for (NetworkMode and NetworkingConfig, checked against the networks that
// exist), what to set up at start (the sandbox request: networks, published ports,
// names, resolvers), and Docker's EndpointSettings filled in from what was set up.
import type {
  NetworkJoin,
  NetworkManager,
  NetworkRecord,
  Sandbox,
  SandboxRequest,
} from '../network/index.ts';
import { invalidArgument, isBerthError, notFound } from '../util/errors.ts';
import type { ContainerCreateRequest, EndpointSettings } from './container-config.ts';
import type { ContainerEndpoint, ContainerRecord } from './container-record.ts';

export const emptyEndpoint = (networkId: string, asked: EndpointSettings = {}): ContainerEndpoint => ({
  IPAMConfig: asked.IPAMConfig?.IPv4Address ? { IPv4Address: asked.IPAMConfig.IPv4Address } : null,
  Links: null,
  Aliases: asked.Aliases?.length ? [...asked.Aliases] : null,
  NetworkID: networkId,
  EndpointID: '',
  Gateway: '',
  IPAddress: '',
  IPPrefixLen: 0,
  IPv6Gateway: '',
  GlobalIPv6Address: '',
  GlobalIPv6PrefixLen: 0,
  MacAddress: '',
  DriverOpts: null,
});

function findNetwork(networks: NetworkManager, ref: string): NetworkRecord {
  try {
    return networks.resolve(ref);
  } catch (err) {
    if (isBerthError(err, 'NotFound')) throw notFound(`network ${ref} not found`);
    throw err;
  }
}

/** Checks that an endpoint's options fit the network (Docker's rules and messages). */
export function checkEndpoint(network: NetworkRecord, asked: EndpointSettings): void {
  const userDefined = network.driver === 'bridge' && !network.builtin;
  if (asked.Aliases?.length && !userDefined)
    throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
  if (asked.IPAMConfig?.IPv4Address && !userDefined)
    throw invalidArgument('user specified IP address is supported on user defined networks only');
  if (asked.IPAMConfig?.IPv6Address) throw invalidArgument('IPv6 addresses are not supported by berth');
}

/**
 * The networks a new container is on, by name, the primary first. `default` is the
 * default bridge (none when the daemon runs without one); `host`, `none` and
 * `container:<ref>` modes join no bridge network.
 */
export function requestedNetworks(
  req: ContainerCreateRequest,
  networks: NetworkManager | undefined,
): Record<string, ContainerEndpoint> {
  const mode = req.HostConfig?.NetworkMode || 'default';
  if (mode.startsWith('container:') || !networks) return {};
  const asked = req.NetworkingConfig?.EndpointsConfig ?? {};
  let primary: NetworkRecord | undefined;
  if (mode === 'default' || mode === 'bridge') primary = networks.defaultNetwork();
  else primary = findNetwork(networks, mode);
  if (!primary) return {};
  const out: Record<string, ContainerEndpoint> = {};
  const add = (n: NetworkRecord, settings: EndpointSettings | undefined) => {
    checkEndpoint(n, settings ?? {});
    out[n.name] = emptyEndpoint(n.id, settings);
  };
  const askedFor = (n: NetworkRecord) =>
    asked[n.name] ?? asked[n.id] ?? Object.entries(asked).find(([k]) => n.id.startsWith(k))?.[1];
  add(primary, askedFor(primary) ?? (mode === 'default' ? asked.bridge : undefined));
  if (primary.driver !== 'bridge') return out;
  for (const ref of Object.keys(asked)) {
    const n = findNetwork(networks, ref);
    if (out[n.name]) continue;
    if (n.driver !== 'bridge')
      throw invalidArgument(`container cannot be connected to both network ${primary.name} and ${n.name}`);
    add(n, asked[ref]);
  }
  return out;
}

/** The bridge networks of a container, in order, with what it asked for on each. */
export function networkJoins(r: ContainerRecord, networks: NetworkManager): NetworkJoin[] {
  const joins: NetworkJoin[] = [];
  for (const [name, ep] of Object.entries(r.networks ?? {})) {
    let n: NetworkRecord;
    try {
      n = networks.resolve(ep.NetworkID);
    } catch (err) {
      if (isBerthError(err, 'NotFound'))
        throw notFound(`network ${name} not found: it was removed; disconnect the container from it`);
      throw err;
    }
    if (n.driver !== 'bridge') continue;
    joins.push({
      network: n,
      aliases: ep.Aliases ?? [],
      ...(ep.IPAMConfig?.IPv4Address ? { ip: ep.IPAMConfig.IPv4Address } : {}),
    });
  }
  return joins;
}

/** `80/tcp` → [80, 'tcp']. */
function parsePortKey(key: string): { port: number; protocol: 'tcp' | 'udp' | 'sctp' } {
  const [num, proto = 'tcp'] = key.split('/');
  const port = Number(num);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !['tcp', 'udp', 'sctp'].includes(proto))
    throw invalidArgument(`invalid port "${key}": want PORT[/tcp|udp|sctp]`);
  return { port, protocol: proto as 'tcp' | 'udp' | 'sctp' };
}

/** PortBindings, and with PublishAllPorts every exposed port not bound, on a random host port. */
export function portRequests(r: ContainerRecord): SandboxRequest['ports'] {
  const hc = r.request.HostConfig ?? {};
  const out: SandboxRequest['ports'] = [];
  const bound = new Set<string>();
  for (const [key, bindings] of Object.entries(hc.PortBindings ?? {})) {
    const { port, protocol } = parsePortKey(key);
    bound.add(`${port}/${protocol}`);
    for (const b of bindings?.length ? bindings : [{}])
      out.push({ protocol, hostIp: b.HostIp ?? '', hostPort: b.HostPort ?? '', containerPort: port });
  }
  if (hc.PublishAllPorts) {
    for (const key of Object.keys(r.config.ExposedPorts ?? {})) {
      const { port, protocol } = parsePortKey(key);
      if (!bound.has(`${port}/${protocol}`))
        out.push({ protocol, hostIp: '', hostPort: '', containerPort: port });
    }
  }
  return out;
}

/** What the start asks of the network manager, or undefined when the container joins no bridge network. */
export function sandboxRequest(r: ContainerRecord, networks: NetworkManager): SandboxRequest | undefined {
  const joins = networkJoins(r, networks);
  if (!joins.length) return undefined;
  return {
    containerId: r.id,
    names: [r.name, r.id.slice(0, 12)],
    networks: joins,
    ports: portRequests(r),
    dns: r.request.HostConfig?.Dns ?? [],
  };
}

/** The record's endpoints with the addresses of the running sandbox (or cleared, without one). */
export function applySandbox(r: ContainerRecord, sandbox: Sandbox | undefined): void {
  for (const ep of Object.values(r.networks ?? {})) {
    const live = sandbox?.endpoints.find((e) => e.networkId === ep.NetworkID);
    ep.EndpointID = live?.endpointId ?? '';
    ep.Gateway = live?.gateway ?? '';
    ep.IPAddress = live?.ip ?? '';
    ep.IPPrefixLen = live?.prefixLen ?? 0;
    ep.MacAddress = live?.mac ?? '';
  }
  if (sandbox?.ports.length) r.ports = sandbox.ports;
  else delete r.ports;
}
