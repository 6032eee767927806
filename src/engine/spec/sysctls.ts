// Sysctls of a container: Docker's two defaults for a container with a network namespace of
// its own (unprivileged ping and low ports, where the kernel has them), then
// HostConfig.Sysctls. Only sysctls that belong to a namespace the container owns are
// allowed: anything else would change the host.
import { existsSync } from 'node:fs';
import { invalidArgument } from '../../util/errors.ts';

const IPC_SYSCTL = /^kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)$/;

export const DEFAULT_SYSCTLS: Record<string, string> = {
  'net.ipv4.ping_group_range': '0 2147483647',
  'net.ipv4.ip_unprivileged_port_start': '0',
};

export const sysctlExists = (name: string) => existsSync(`/proc/sys/${name.replaceAll('.', '/')}`);

export function containerSysctls(opts: {
  sysctls?: Record<string, string> | null;
  /** The container has a network namespace that it created (not the host's, not another container's). */
  ownNetwork: boolean;
  /** It has a network namespace other than the host's. */
  netns: boolean;
  ipcns: boolean;
  utsns: boolean;
  exists?: (name: string) => boolean;
}): Record<string, string> {
  const exists = opts.exists ?? sysctlExists;
  const out: Record<string, string> = {};
  if (opts.ownNetwork) {
    for (const [k, v] of Object.entries(DEFAULT_SYSCTLS)) if (exists(k)) out[k] = v;
  }
  for (const [name, value] of Object.entries(opts.sysctls ?? {})) {
    const where = `HostConfig.Sysctls[${JSON.stringify(name)}]`;
    if (name.startsWith('net.')) {
      if (!opts.netns)
        throw invalidArgument(`${where}: sysctl "${name}" is not allowed in the host's network namespace`);
    } else if (name.startsWith('fs.mqueue.') || IPC_SYSCTL.test(name)) {
      if (!opts.ipcns)
        throw invalidArgument(`${where}: sysctl "${name}" is not allowed in the host's IPC namespace`);
    } else if (name === 'kernel.hostname') {
      throw invalidArgument(`${where}: sysctl "${name}" is not allowed: use Hostname to name the container`);
    } else if (name === 'kernel.domainname') {
      if (!opts.utsns)
        throw invalidArgument(`${where}: sysctl "${name}" is not allowed in the host's UTS namespace`);
    } else {
      throw invalidArgument(
        `${where}: sysctl "${name}" is not allowed: it is not in a namespace of the container, so it would change the host`,
      );
    }
    out[name] = String(value);
  }
  return out;
}
