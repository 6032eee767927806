// `berth port CONTAINER [PRIVATE_PORT[/PROTO]]` (`container port`): the container's
// published ports from its inspect document (NetworkSettings.Ports), printed as
// Docker prints them: `80/tcp -> 0.0.0.0:8080` for each mapping, or only the host
// addresses of the one port asked for. A port that is not published is an error
// naming it, exit 1, as in Docker.
import { defineCommand } from '../command.ts';
import { allPortLines, type PortMap, portLinesFor, privatePortKey } from '../network/index.ts';

interface ContainerPorts {
  NetworkSettings?: { Ports?: PortMap | null } | null;
}

export const portCommand = defineCommand({
  name: 'port',
  aliases: ['container port'],
  summary: 'List port mappings or a specific mapping for the container',
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  args: { min: 1, max: 2 },
  async run(ctx) {
    const [container, spec] = ctx.args as [string, string | undefined];
    let key: string | undefined;
    if (spec !== undefined) {
      try {
        key = privatePortKey(spec);
      } catch (err) {
        ctx.stderr.write(`Error: ${(err as Error).message}\n`);
        return 1;
      }
    }
    const client = await ctx.client();
    const doc = await client.get<ContainerPorts>(`/containers/${encodeURIComponent(container)}/json`);
    const ports = doc.NetworkSettings?.Ports;
    const lines = key === undefined ? allPortLines(ports) : portLinesFor(ports, key);
    if (lines === undefined) {
      ctx.stderr.write(`Error: No public port '${spec}' published for ${container}\n`);
      return 1;
    }
    if (lines.length) ctx.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
});
