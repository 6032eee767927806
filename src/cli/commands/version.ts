// `berth version`: this client's version and the daemon's, as `docker version` shows them.
import { compareApiVersions, MAX_API_VERSION } from '../../api/api-version.ts';
import { BERTH_VERSION, buildTimeOf, GIT_COMMIT, goArch } from '../../api/build-info.ts';
import { defineCommand, FORMAT_OPTION } from '../command.ts';
import { formatOne } from '../output/format.ts';
import { formatAnsic } from '../output/units.ts';

interface ServerVersion {
  Platform?: { Name?: string };
  Components?: { Name: string; Version: string; Details?: Record<string, string> }[];
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  GitCommit?: string;
  GoVersion?: string;
  Os?: string;
  Arch?: string;
  BuildTime?: string;
}

const line = (indent: string, label: string, value: string | undefined, width: number) =>
  `${indent}${`${label}:`.padEnd(width)}${value ?? ''}\n`;

const builtAt = (iso: string | undefined): string => {
  const t = iso ? new Date(iso) : undefined;
  return t && !Number.isNaN(t.getTime()) ? formatAnsic(t) : (iso ?? '');
};

export const versionCommand = defineCommand({
  name: 'version',
  summary: 'Show the berth version information',
  usage: '[OPTIONS]',
  args: { max: 0 },
  common: true,
  options: { format: FORMAT_OPTION },
  async run(ctx) {
    const clientInfo = {
      Version: BERTH_VERSION,
      ApiVersion: MAX_API_VERSION,
      DefaultAPIVersion: MAX_API_VERSION,
      GitCommit: GIT_COMMIT,
      GoVersion: process.version,
      Os: 'linux',
      Arch: goArch(),
      BuildTime: formatAnsic(buildTimeOf()),
    };
    if (ctx.options.format !== undefined) {
      const client = await ctx.client();
      const server = await client.get<ServerVersion>('/version');
      ctx.stdout.write(
        formatOne(
          { Client: { ...clientInfo, ApiVersion: client.apiVersion }, Server: server },
          ctx.options.format,
        ),
      );
      return 0;
    }
    const w1 = 19;
    let out = 'Client:\n';
    out += line(' ', 'Version', clientInfo.Version, w1);
    const apiLine = (v: string) =>
      compareApiVersions(v, MAX_API_VERSION) < 0 ? `${v} (downgraded from ${MAX_API_VERSION})` : v;
    ctx.stdout.write(out);
    // The client half is printed even when the daemon cannot be reached, as Docker does.
    let client: Awaited<ReturnType<typeof ctx.client>> | undefined;
    let failure: unknown;
    try {
      client = await ctx.client();
    } catch (err) {
      failure = err;
    }
    out = line(' ', 'API version', apiLine(client?.apiVersion ?? MAX_API_VERSION), w1);
    out += line(' ', 'Node version', clientInfo.GoVersion, w1);
    out += line(' ', 'Git commit', clientInfo.GitCommit, w1);
    out += line(' ', 'Built', clientInfo.BuildTime, w1);
    out += line(' ', 'OS/Arch', `${clientInfo.Os}/${clientInfo.Arch}`, w1);
    ctx.stdout.write(out);
    if (!client) throw failure;
    const server = await client.get<ServerVersion>('/version');
    out = `\nServer:${server.Platform?.Name ? ` ${server.Platform.Name}` : ''}\n`;
    for (const c of server.Components ?? []) {
      out += ` ${c.Name}:\n`;
      const d = c.Details ?? {};
      if (c.Name === 'Engine') {
        out += line('  ', 'Version', c.Version, 18);
        out += line(
          '  ',
          'API version',
          `${d.ApiVersion ?? server.ApiVersion} (minimum version ${d.MinAPIVersion ?? server.MinAPIVersion})`,
          18,
        );
        out += line('  ', 'Node version', d.GoVersion, 18);
        out += line('  ', 'Git commit', d.GitCommit, 18);
        out += line('  ', 'Built', builtAt(d.BuildTime), 18);
        out += line('  ', 'OS/Arch', `${d.Os}/${d.Arch}`, 18);
        out += line('  ', 'Experimental', d.Experimental, 18);
      } else {
        out += line('  ', 'Version', c.Version, 18);
        for (const [k, v] of Object.entries(d)) out += line('  ', k, v, 18);
      }
    }
    ctx.stdout.write(out);
    return 0;
  },
});
