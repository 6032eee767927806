// `berth info`: system-wide information from the daemon, as `docker info` shows it.
import { BERTH_VERSION } from '../../api/build-info.ts';
import { defineCommand, FORMAT_OPTION } from '../command.ts';
import { formatOne } from '../output/format.ts';
import { bytesSize } from '../output/units.ts';

/** The fields of /info this command prints; the rest pass through to --format. */
interface Info {
  ID?: string;
  Containers?: number;
  ContainersRunning?: number;
  ContainersPaused?: number;
  ContainersStopped?: number;
  Images?: number;
  Driver?: string;
  DriverStatus?: [string, string][] | null;
  Plugins?: { Volume?: string[] | null; Network?: string[] | null; Log?: string[] | null };
  CgroupDriver?: string;
  CgroupVersion?: string;
  LoggingDriver?: string;
  KernelVersion?: string;
  OperatingSystem?: string;
  OSType?: string;
  Architecture?: string;
  NCPU?: number;
  MemTotal?: number;
  Name?: string;
  DockerRootDir?: string;
  ServerVersion?: string;
  Runtimes?: Record<string, unknown>;
  DefaultRuntime?: string;
  SecurityOptions?: string[] | null;
  Debug?: boolean;
  ExperimentalBuild?: boolean;
  LiveRestoreEnabled?: boolean;
  Warnings?: string[] | null;
}

/** "name=seccomp,profile=builtin" as a name and its settings. */
function securityOption(opt: string): { name: string; settings: [string, string][] } {
  const kv = opt.split(',').map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? ([p, ''] as [string, string]) : ([p.slice(0, eq), p.slice(eq + 1)] as [string, string]);
  });
  const name = kv.find(([k]) => k === 'name')?.[1] ?? opt;
  return { name, settings: kv.filter(([k]) => k !== 'name') };
}

const title = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function renderInfo(info: Info, debug: boolean): string {
  let out = 'Client:\n';
  out += ` ${'Version:'.padEnd(12)}${BERTH_VERSION}\n`;
  out += ` ${'Debug Mode:'.padEnd(12)}${debug}\n`;
  out += '\nServer:\n';
  const kv = (label: string, value: unknown, indent = ' ') => {
    out += `${indent}${label}: ${value ?? ''}\n`;
  };
  kv('Containers', info.Containers ?? 0);
  kv('Running', info.ContainersRunning ?? 0, '  ');
  kv('Paused', info.ContainersPaused ?? 0, '  ');
  kv('Stopped', info.ContainersStopped ?? 0, '  ');
  kv('Images', info.Images ?? 0);
  kv('Server Version', info.ServerVersion);
  kv('Storage Driver', info.Driver);
  for (const [k, v] of info.DriverStatus ?? []) kv(k, v, '  ');
  kv('Logging Driver', info.LoggingDriver);
  kv('Cgroup Driver', info.CgroupDriver);
  kv('Cgroup Version', info.CgroupVersion);
  out += ' Plugins:\n';
  kv('Volume', (info.Plugins?.Volume ?? []).join(' '), '  ');
  kv('Network', (info.Plugins?.Network ?? []).join(' '), '  ');
  kv('Log', (info.Plugins?.Log ?? []).join(' '), '  ');
  kv(
    'Runtimes',
    Object.keys(info.Runtimes ?? {})
      .sort()
      .join(' '),
  );
  kv('Default Runtime', info.DefaultRuntime);
  if (info.SecurityOptions?.length) {
    out += ' Security Options:\n';
    for (const opt of info.SecurityOptions) {
      const { name, settings } = securityOption(opt);
      out += `  ${name}\n`;
      for (const [k, v] of settings) kv(title(k), v, '   ');
    }
  }
  kv('Kernel Version', info.KernelVersion);
  kv('Operating System', info.OperatingSystem);
  kv('OSType', info.OSType);
  kv('Architecture', info.Architecture);
  kv('CPUs', info.NCPU);
  kv('Total Memory', bytesSize(info.MemTotal ?? 0));
  kv('Name', info.Name);
  kv('ID', info.ID);
  kv('Berth Root Dir', info.DockerRootDir);
  kv('Debug Mode', info.Debug ?? false);
  kv('Experimental', info.ExperimentalBuild ?? false);
  kv('Live Restore Enabled', info.LiveRestoreEnabled ?? false);
  if (info.Warnings?.length) out += `\n${info.Warnings.join('\n')}\n`;
  return out;
}

export const infoCommand = defineCommand({
  name: 'info',
  aliases: ['system info'],
  summary: 'Display system-wide information',
  usage: '[OPTIONS]',
  args: { max: 0 },
  common: true,
  options: { format: FORMAT_OPTION },
  async run(ctx) {
    const client = await ctx.client();
    const info = await client.get<Info>('/info');
    if (ctx.options.format !== undefined) {
      const clientInfo = { Debug: ctx.globals.debug, Version: BERTH_VERSION };
      ctx.stdout.write(formatOne({ ...info, ClientInfo: clientInfo }, ctx.options.format));
      return 0;
    }
    ctx.stdout.write(renderInfo(info, ctx.globals.debug));
    return 0;
  },
});
