// `berth network create|ls|inspect|rm|connect|disconnect|prune`: networks as
// `docker network` handles them, with its output: the new network's ID on create,
// the NETWORK ID/NAME/DRIVER/SCOPE table (names in natural order), JSON arrays for
// inspect, each name as it goes on rm, nothing on connect and disconnect, and
// `Deleted Networks:` for prune (after a y/N question unless -f). inspect and rm go
// on past a failure, print every error and exit 1, as Docker's do. The pure parts
// (the create request, rows, texts) are in ../network/.
import { isIP } from 'node:net';
import { invalidArgument } from '../../util/errors.ts';
import { type Client, filtersParam, isDaemonError } from '../client.ts';
import { defineCommand } from '../command.ts';
import {
  buildNetworkCreateRequest,
  deletedNetworksText,
  keyValueMap,
  NETWORK_HEADERS,
  NETWORK_PRUNE_WARNING,
  NETWORK_TABLE,
  type NetworkJson,
  type NetworkPruneReport,
  networkRow,
} from '../network/index.ts';
import { formatList, LIST_FORMAT_OPTION } from '../output/format.ts';
import { INSPECT_FORMAT_OPTION, printInspected } from './inspect.ts';
import { pruneOptions } from './prune-options.ts';
import { confirm } from './terminal.ts';
import { naturalCompare } from './volume.ts';

const networkPath = (name: string) => `/networks/${encodeURIComponent(name)}`;

/** A failure about one network, worded as Docker's CLI words it (404s as "No such network"). */
function networkError(name: string, err: unknown): string {
  if (!isDaemonError(err)) throw err;
  if (err.status === 404) return `Error: No such network: ${name}`;
  return `Error response from daemon: ${err.message}`;
}

const list = (help: string, valueName = 'list') =>
  ({ type: 'string', multiple: true, valueName, help }) as const;

export const networkCreateCommand = defineCommand({
  name: 'network create',
  summary: 'Create a network',
  usage: '[OPTIONS] NETWORK',
  args: { min: 1, max: 1 },
  options: {
    attachable: { type: 'boolean', help: 'Enable manual container attachment' },
    'aux-address': list('Auxiliary IPv4 or IPv6 addresses used by Network driver', 'map'),
    driver: {
      type: 'string',
      short: 'd',
      valueName: 'string',
      help: 'Driver to manage the Network (default "bridge"; berth has only bridge)',
    },
    gateway: list('IPv4 or IPv6 Gateway for the master subnet', 'strings'),
    internal: { type: 'boolean', help: 'Restrict external access to the network' },
    'ip-range': list('Allocate container ip from a sub-range', 'strings'),
    'ipam-driver': {
      type: 'string',
      valueName: 'string',
      help: 'IP Address Management Driver (default "default")',
    },
    'ipam-opt': list('Set IPAM driver specific options', 'map'),
    ipv6: { type: 'boolean', help: 'Enable IPv6 networking (not supported by berth)' },
    label: list('Set metadata on a network'),
    opt: {
      type: 'string',
      short: 'o',
      multiple: true,
      valueName: 'map',
      help: 'Set driver specific options (com.docker.network.bridge.name, com.docker.network.driver.mtu)',
    },
    subnet: list('Subnet in CIDR format that represents a network segment', 'strings'),
  },
  async run(ctx) {
    const o = ctx.options;
    const body = buildNetworkCreateRequest(ctx.args[0]!, {
      driver: o.driver,
      subnets: o.subnet,
      ranges: o['ip-range'],
      gateways: o.gateway,
      auxAddresses: o['aux-address'],
      internal: o.internal,
      attachable: o.attachable,
      ipv6: o.ipv6,
      labels: o.label,
      options: o.opt,
      ipamDriver: o['ipam-driver'],
      ipamOptions: o['ipam-opt'],
    });
    const client = await ctx.client();
    const created = await client.post<{ Id: string; Warning?: string }>('/networks/create', body);
    if (created.Warning) ctx.stderr.write(`${created.Warning}\n`);
    ctx.stdout.write(`${created.Id}\n`);
    return 0;
  },
});

export const networkLsCommand = defineCommand({
  name: 'network ls',
  aliases: ['network list'],
  summary: 'List networks',
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: {
    filter: {
      type: 'string',
      short: 'f',
      multiple: true,
      valueName: 'filter',
      help: "Provide filter values (e.g. 'driver=bridge')",
    },
    format: LIST_FORMAT_OPTION,
    'no-trunc': { type: 'boolean', help: 'Do not truncate the output' },
    quiet: { type: 'boolean', short: 'q', help: 'Only display network IDs' },
  },
  async run(ctx) {
    const client = await ctx.client();
    const networks = await client.get<NetworkJson[] | null>('/networks', {
      filters: filtersParam(ctx.options.filter),
    });
    const rows = [...(networks ?? [])]
      .sort((a, b) => naturalCompare(a.Name, b.Name))
      .map((n) => networkRow(n, { noTrunc: ctx.options['no-trunc'] }));
    let format = ctx.options.format?.trim() ?? '';
    // -q picks the IDs unless a template of one's own was asked for, as Docker does
    if (format === '' || format === 'table') format = ctx.options.quiet ? '{{.ID}}' : '';
    ctx.stdout.write(formatList(rows, { format, defaultTable: NETWORK_TABLE, headers: NETWORK_HEADERS }));
    return 0;
  },
});

export const networkInspectCommand = defineCommand({
  name: 'network inspect',
  summary: 'Display detailed information on one or more networks',
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  args: { min: 1 },
  options: {
    format: INSPECT_FORMAT_OPTION,
    verbose: {
      type: 'boolean',
      short: 'v',
      help: 'Verbose output for diagnostics (no more to show on berth)',
    },
  },
  async run(ctx) {
    const client = await ctx.client();
    const items: unknown[] = [];
    const errors: string[] = [];
    for (const name of ctx.args) {
      try {
        items.push(await client.get(networkPath(name)));
      } catch (err) {
        errors.push(networkError(name, err));
      }
    }
    return printInspected(ctx, { items, errors }, ctx.options.format);
  },
});

export const networkRmCommand = defineCommand({
  name: 'network rm',
  aliases: ['network remove'],
  summary: 'Remove one or more networks',
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  args: { min: 1 },
  options: {
    force: { type: 'boolean', short: 'f', help: 'Do not error if the network does not exist' },
  },
  async run(ctx) {
    const client = await ctx.client();
    let status = 0;
    for (const name of ctx.args) {
      try {
        await client.delete(networkPath(name));
        ctx.stdout.write(`${name}\n`);
      } catch (err) {
        if (ctx.options.force && isDaemonError(err) && err.status === 404) continue;
        ctx.stderr.write(`${networkError(name, err)}\n`);
        status = 1;
      }
    }
    return status;
  },
});

function checkIp(value: string | undefined, flag: string, family: 4 | 6): string | undefined {
  if (value === undefined) return undefined;
  if (isIP(value) !== family)
    throw invalidArgument(`invalid ${flag} address "${value}": want an IPv${family} address`);
  return value;
}

async function postToNetwork(client: Client, network: string, verb: string, body: unknown): Promise<void> {
  await client.post(`${networkPath(network)}/${verb}`, body);
}

export const networkConnectCommand = defineCommand({
  name: 'network connect',
  summary: 'Connect a container to a network',
  usage: '[OPTIONS] NETWORK CONTAINER',
  args: { min: 2, max: 2 },
  options: {
    alias: list('Add network-scoped alias for the container', 'strings'),
    'driver-opt': list('driver options for the network', 'strings'),
    ip: { type: 'string', valueName: 'string', help: 'IPv4 address (e.g., "172.30.100.104")' },
    ip6: { type: 'string', valueName: 'string', help: 'IPv6 address (e.g., "2001:db8::33")' },
    link: list('Add link to another container'),
  },
  async run(ctx) {
    const [network, container] = ctx.args as [string, string];
    const o = ctx.options;
    const ipv4 = checkIp(o.ip, '--ip', 4);
    const ipv6 = checkIp(o.ip6, '--ip6', 6);
    const endpoint: Record<string, unknown> = {};
    if (ipv4 || ipv6) endpoint.IPAMConfig = { IPv4Address: ipv4 ?? '', IPv6Address: ipv6 ?? '' };
    if (o.alias?.length) endpoint.Aliases = o.alias;
    if (o.link?.length) endpoint.Links = o.link;
    if (o['driver-opt']?.length) endpoint.DriverOpts = keyValueMap(o['driver-opt'], 'driver-opt');
    const client = await ctx.client();
    await postToNetwork(client, network, 'connect', { Container: container, EndpointConfig: endpoint });
    return 0;
  },
});

export const networkDisconnectCommand = defineCommand({
  name: 'network disconnect',
  summary: 'Disconnect a container from a network',
  usage: '[OPTIONS] NETWORK CONTAINER',
  args: { min: 2, max: 2 },
  options: {
    force: { type: 'boolean', short: 'f', help: 'Force the container to disconnect from a network' },
  },
  async run(ctx) {
    const [network, container] = ctx.args as [string, string];
    const client = await ctx.client();
    await postToNetwork(client, network, 'disconnect', {
      Container: container,
      Force: ctx.options.force ?? false,
    });
    return 0;
  },
});

export const networkPruneCommand = defineCommand({
  name: 'network prune',
  summary: 'Remove all unused networks',
  usage: '[OPTIONS]',
  args: { max: 0 },
  options: {
    ...pruneOptions('until=<timestamp>'),
  },
  async run(ctx) {
    const filters = filtersParam(ctx.options.filter);
    // asked before any daemon is reached, as Docker asks
    if (!ctx.options.force && !(await confirm(NETWORK_PRUNE_WARNING, process.stdin, ctx.stdout))) return 0;
    const client = await ctx.client();
    const report = await client.post<NetworkPruneReport>('/networks/prune', undefined, { filters });
    ctx.stdout.write(deletedNetworksText(report));
    return 0;
  },
});
