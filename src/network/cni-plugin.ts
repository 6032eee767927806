// Calling a CNI plugin (the CNI spec's protocol: the command and the container in
// environment variables, the network's configuration on stdin, a JSON result or error
// on stdout) from Debian's containernetworking-plugins. berth uses three: `loopback`
// (lo up), `bridge` (the veth pair, the container's address and routes) and, through
// bridge, `host-local` (address allocation in files under berth's root, locked, so an
// address is never handed out twice and allocations survive restarts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../util/errors.ts';
import { execHost } from './host-command.ts';

export const CNI_VERSION = '1.0.0';
const CNI_DIRS = ['/usr/lib/cni', '/opt/cni/bin'];

export function cniPluginDir(): string {
  const dir = CNI_DIRS.find((d) => existsSync(join(d, 'bridge')));
  if (!dir)
    throw new BerthError(
      'FailedPrecondition',
      `the CNI plugins are not installed (looked in ${CNI_DIRS.join(', ')}): apt-get install containernetworking-plugins`,
    );
  return dir;
}

export interface CniCall {
  command: 'ADD' | 'DEL' | 'CHECK';
  containerId: string;
  netns: string;
  ifname: string;
  /** CNI_ARGS pairs (host-local reads IP=…). */
  args?: Record<string, string>;
  config: Record<string, unknown>;
}

export interface CniResult {
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { interface?: number; address: string; gateway?: string }[];
}

export async function callCniPlugin(call: CniCall): Promise<CniResult> {
  const dir = cniPluginDir();
  const type = String(call.config.type);
  const args = Object.entries(call.args ?? {}).map(([k, v]) => `${k}=${v}`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: call.netns,
    CNI_IFNAME: call.ifname,
    CNI_PATH: dir,
    ...(args.length ? { CNI_ARGS: ['IgnoreUnknown=1', ...args].join(';') } : {}),
  };
  const doing = `${call.command} of ${call.ifname} (${type}) for ${call.containerId.slice(0, 12)}`;
  const r = await execHost(join(dir, type), [], { env, input: JSON.stringify(call.config), doing });
  if (r.code === 0) return r.stdout.trim() ? (JSON.parse(r.stdout) as CniResult) : {};
  let reason = (r.stdout || r.stderr).trim();
  try {
    const e = JSON.parse(r.stdout) as { msg?: string; details?: string };
    reason = [e.msg, e.details].filter(Boolean).join(': ');
  } catch {}
  throw new BerthError('Internal', `${doing}: ${reason}`);
}
