// The network endpoints of the Docker Engine API: list (filters name, id, driver,
// label, type, scope, dangling), inspect, create, remove, connect, disconnect and
// prune, in Docker's JSON. The built-in `bridge`, `host` and `none` are listed as
// Docker lists them (`bridge` only when the daemon has a default bridge).
import type { ContainerService } from '../../engine/container-service.ts';
import type { NetworkCreateRequest, NetworkManager, NetworkRecord } from '../../network/index.ts';
import { BerthError, invalidArgument } from '../../util/errors.ts';
import { parseFilterTime } from '../../util/time.ts';
import type { RouteModule } from '../daemon-context.ts';
import type { Filters } from '../query.ts';
import { boolFilter, labelsMatch } from './image-filters.ts';

const LIST_FILTERS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'] as const;
const PRUNE_FILTERS = ['label', 'label!', 'until'] as const;

function networkJson(n: NetworkRecord, svc: ContainerService) {
  const containers: Record<string, unknown> = {};
  for (const e of svc.networks?.endpointsOf(n.id) ?? []) {
    const c = svc.list().find((r) => r.id === e.containerId);
    if (!c || !e.ip) continue;
    containers[e.containerId] = {
      Name: c.name,
      EndpointID: e.endpointId,
      MacAddress: e.mac,
      IPv4Address: `${e.ip}/${e.prefixLen}`,
      IPv6Address: '',
    };
  }
  const ipam =
    n.driver === 'bridge'
      ? [{ Subnet: n.subnet, Gateway: n.gateway, ...(n.ipRange ? { IPRange: n.ipRange } : {}) }]
      : [];
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: n.builtin ? null : {}, Config: ipam },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: n.options,
    Labels: n.labels,
  };
}

function visible(networks: NetworkManager): NetworkRecord[] {
  const dflt = networks.defaultNetwork();
  return networks
    .list()
    .filter((n) => !(n.builtin && n.driver === 'bridge' && n !== dflt && n.id !== dflt?.id));
}

/** Whether any container (running or not) is configured on the network. */
function inUse(n: NetworkRecord, svc: ContainerService): boolean {
  return svc.list().some((c) => Object.values(c.networks ?? {}).some((e) => e.NetworkID === n.id));
}

function listFilter(filters: Filters, svc: ContainerService) {
  filters.validate(LIST_FILTERS);
  const names = filters.get('name');
  const ids = filters.get('id');
  const drivers = filters.get('driver');
  const types = filters.get('type');
  for (const t of types)
    if (t !== 'custom' && t !== 'builtin') throw invalidArgument(`invalid filter: 'type'='${t}'`);
  const scopes = filters.get('scope');
  const dangling = filters.has('dangling') ? boolFilter(filters, 'dangling', false) : undefined;
  return (n: NetworkRecord) =>
    (!names.length || names.some((x) => n.name.includes(x))) &&
    (!ids.length || ids.some((x) => n.id.startsWith(x))) &&
    (!drivers.length || drivers.includes(n.driver)) &&
    (!types.length || types.includes(n.builtin ? 'builtin' : 'custom')) &&
    (!scopes.length || scopes.includes('local')) &&
    labelsMatch(n.labels, filters.get('label')) &&
    (dangling === undefined || (!n.builtin && !inUse(n, svc)) === dangling);
}

interface ConnectBody {
  Container?: string;
  EndpointConfig?: {
    Aliases?: string[] | null;
    IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  };
  Force?: boolean;
}

export const networkRoutes: RouteModule = (router, daemon) => {
  const engine = async () => {
    const svc = await daemon.containers.get();
    if (!svc.networks) throw new BerthError('FailedPrecondition', 'this daemon runs without networks');
    return { svc, networks: svc.networks };
  };
  router.get('/networks', async (ctx) => {
    const { svc, networks } = await engine();
    const pass = listFilter(ctx.filters(), svc);
    return visible(networks)
      .filter(pass)
      .map((n) => networkJson(n, svc));
  });
  router.post('/networks/create', async (ctx) => {
    const { networks } = await engine();
    const body = (await ctx.readJson<NetworkCreateRequest>()) ?? {};
    if (typeof body !== 'object' || Array.isArray(body))
      throw invalidArgument('the body must be a JSON object');
    const n = await networks.create(body);
    ctx.json(201, { Id: n.id, Warning: '' });
  });
  router.post('/networks/prune', async (ctx) => {
    const { svc, networks } = await engine();
    const filters = ctx.filters();
    filters.validate(PRUNE_FILTERS);
    const until = filters.get('until');
    const deleted: string[] = [];
    for (const n of networks.list()) {
      if (n.builtin || inUse(n, svc) || networks.endpointsOf(n.id).length) continue;
      if (!labelsMatch(n.labels, filters.get('label'))) continue;
      if (filters.get('label!').some((l) => labelsMatch(n.labels, [l]))) continue;
      if (until.length && BigInt(Date.parse(n.created)) * 1_000_000n >= parseFilterTime(until[0]!, 'until'))
        continue;
      await networks.remove(n.id);
      deleted.push(n.name);
    }
    return { NetworksDeleted: deleted.length ? deleted : null };
  });
  router.get('/networks/{id}', async (ctx) => {
    const { svc, networks } = await engine();
    return networkJson(networks.resolve(ctx.params.id), svc);
  });
  router.delete('/networks/{id}', async (ctx) => {
    const { networks } = await engine();
    await networks.remove(ctx.params.id);
    ctx.noContent(204);
  });
  router.post('/networks/{id}/connect', async (ctx) => {
    const { svc } = await engine();
    const body = (await ctx.readJson<ConnectBody>()) ?? {};
    if (!body.Container) throw invalidArgument('no container given: Container is required');
    await svc.connect(body.Container, ctx.params.id, {
      ...(body.EndpointConfig?.Aliases ? { Aliases: body.EndpointConfig.Aliases } : {}),
      ...(body.EndpointConfig?.IPAMConfig ? { IPAMConfig: body.EndpointConfig.IPAMConfig } : {}),
    });
    ctx.noContent(200);
  });
  router.post('/networks/{id}/disconnect', async (ctx) => {
    const { svc } = await engine();
    const body = (await ctx.readJson<ConnectBody>()) ?? {};
    if (!body.Container) throw invalidArgument('no container given: Container is required');
    await svc.disconnect(body.Container, ctx.params.id, { force: !!body.Force });
    ctx.noContent(200);
  });
};
