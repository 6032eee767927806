// `network connect` and `network disconnect` of a container: the record's list of
// networks changes always; a running container's namespace gets (or loses) the
// interface at once, a stopped one at its next start. Docker's rules and messages.
import type { NetworkManager } from '../network/index.ts';
import { conflict, invalidArgument } from '../util/errors.ts';
import type { EndpointSettings } from './container-config.ts';
import { checkEndpoint, emptyEndpoint } from './container-network.ts';
import type { ContainerRecord } from './container-record.ts';

interface Deps {
  networks: NetworkManager;
  save(r: ContainerRecord): void;
}

const isRunning = (r: ContainerRecord) => r.state.Status === 'running' || r.state.Status === 'paused';

export async function connectNetwork(
  record: ContainerRecord,
  networkRef: string,
  settings: EndpointSettings,
  d: Deps,
): Promise<void> {
  const n = d.networks.resolve(networkRef);
  const mode = record.request.HostConfig?.NetworkMode || 'default';
  if (mode === 'host' || mode.startsWith('container:') || n.driver === 'host')
    throw invalidArgument(
      'container sharing network namespace with another container or host cannot be connected to any other network',
    );
  if (mode === 'none' || n.driver === 'null' || !Object.keys(record.networks ?? {}).length)
    throw invalidArgument(
      'container cannot be connected to multiple networks with one of the networks in private (none) mode',
    );
  if (record.networks?.[n.name])
    throw conflict(`endpoint with name ${record.name} already exists in network ${n.name}`);
  checkEndpoint(n, settings);
  const endpoint = emptyEndpoint(n.id, settings);
  if (isRunning(record)) {
    const live = await d.networks.connect(
      record.id,
      {
        network: n,
        aliases: settings.Aliases ?? [],
        ...(settings.IPAMConfig?.IPv4Address ? { ip: settings.IPAMConfig.IPv4Address } : {}),
      },
      { names: [record.name, record.id.slice(0, 12)], dns: record.request.HostConfig?.Dns ?? [] },
    );
    endpoint.EndpointID = live.endpointId;
    endpoint.Gateway = live.gateway;
    endpoint.IPAddress = live.ip;
    endpoint.IPPrefixLen = live.prefixLen;
    endpoint.MacAddress = live.mac;
  }
  record.networks = { ...(record.networks ?? {}), [n.name]: endpoint };
  d.save(record);
}

export async function disconnectNetwork(
  record: ContainerRecord,
  networkRef: string,
  opts: { force?: boolean },
  d: Deps,
): Promise<void> {
  let name: string;
  let id: string;
  try {
    const n = d.networks.resolve(networkRef);
    name = n.name;
    id = n.id;
  } catch (err) {
    // with force, a network that is gone is still taken off the container
    const entry =
      opts.force &&
      Object.entries(record.networks ?? {}).find(([k, e]) => k === networkRef || e.NetworkID === networkRef);
    if (!entry) throw err;
    [name, { NetworkID: id }] = entry;
  }
  if (!record.networks?.[name])
    throw invalidArgument(`container ${record.id} is not connected to network ${name}`);
  if (isRunning(record)) await d.networks.disconnect(record.id, id);
  delete record.networks[name];
  d.save(record);
}
