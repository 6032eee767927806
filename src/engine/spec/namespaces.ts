// The namespace modes of Docker's HostConfig (NetworkMode, IpcMode, PidMode, UTSMode,
// UsernsMode, CgroupnsMode) and the spec's namespace list made from them. `container:<ref>`
// joins another container's namespace through a path the engine gives
// (`/proc/<pid>/ns/<kind>`); `host` leaves the namespace out, so the host's is used.
import type { Namespace } from '../../runtime/spec/types.ts';
import { invalidArgument } from '../../util/errors.ts';
import type { HostConfig } from '../container-config.ts';

export type JoinKind = 'network' | 'ipc' | 'pid';

export type Shared = { kind: 'container'; ref: string };
export type NetworkMode = { kind: 'private'; name: string } | { kind: 'none' } | { kind: 'host' } | Shared;
export type IpcMode = { kind: 'private' | 'shareable' | 'none' | 'host' } | Shared;
export type PidMode = { kind: 'private' | 'host' } | Shared;

export interface NamespaceModes {
  network: NetworkMode;
  ipc: IpcMode;
  pid: PidMode;
  uts: 'private' | 'host';
  cgroup: 'private' | 'host';
}

function containerRef(mode: string, what: string): Shared {
  const ref = mode.slice('container:'.length);
  if (!ref) throw invalidArgument(`invalid ${what} mode: invalid container format container:<name|id>`);
  return { kind: 'container', ref };
}

export function parseNamespaceModes(
  hc: HostConfig,
  opts: { networkDisabled?: boolean; cgroupV2: boolean },
): NamespaceModes {
  const net = hc.NetworkMode ?? '';
  let network: NetworkMode;
  if (net.startsWith('container:')) network = containerRef(net, 'network');
  else if (net === 'host') network = { kind: 'host' };
  else if (net === 'none' || opts.networkDisabled) network = { kind: 'none' };
  else network = { kind: 'private', name: net === '' || net === 'default' ? 'bridge' : net };

  const ipcMode = hc.IpcMode ?? '';
  let ipc: IpcMode;
  if (ipcMode.startsWith('container:')) ipc = containerRef(ipcMode, 'IPC');
  else if (ipcMode === '' || ipcMode === 'private') ipc = { kind: 'private' };
  else if (ipcMode === 'shareable' || ipcMode === 'none' || ipcMode === 'host') ipc = { kind: ipcMode };
  else throw invalidArgument(`invalid IPC mode: ${ipcMode}`);

  const pidMode = hc.PidMode ?? '';
  let pid: PidMode;
  if (pidMode.startsWith('container:')) pid = containerRef(pidMode, 'PID');
  else if (pidMode === '' || pidMode === 'private') pid = { kind: 'private' };
  else if (pidMode === 'host') pid = { kind: 'host' };
  else throw invalidArgument(`invalid PID mode: ${pidMode}`);

  const utsMode = hc.UTSMode ?? '';
  if (utsMode !== '' && utsMode !== 'host') throw invalidArgument(`invalid UTS mode: ${utsMode}`);

  const userns = hc.UsernsMode ?? '';
  if (userns !== '' && userns !== 'host') {
    throw invalidArgument(
      `invalid user namespace mode: ${userns}: berth has no user namespace remapping; use "host" or leave it empty`,
    );
  }

  const cgroupMode = hc.CgroupnsMode ?? '';
  if (cgroupMode !== '' && cgroupMode !== 'private' && cgroupMode !== 'host') {
    throw invalidArgument(`invalid cgroup namespace mode: ${cgroupMode}`);
  }
  // Docker's default: a private cgroup namespace on cgroup v2, the host's on v1.
  const cgroup = cgroupMode || (opts.cgroupV2 ? 'private' : 'host');

  return { network, ipc, pid, uts: utsMode === 'host' ? 'host' : 'private', cgroup };
}

/**
 * The spec's namespaces: mount always; the others private, joined, or (host) left out.
 * A private network namespace the engine made beforehand (`networkPath`) is joined.
 */
export function specNamespaces(
  modes: NamespaceModes,
  joinPath: (kind: JoinKind, ref: string) => string,
  networkPath?: string,
): Namespace[] {
  const out: Namespace[] = [{ type: 'mount' }];
  const add = (type: 'network' | 'ipc' | 'pid', mode: { kind: string; ref?: string }) => {
    if (mode.kind === 'host') return;
    if (mode.kind === 'container') out.push({ type, path: joinPath(type, (mode as Shared).ref) });
    else if (type === 'network' && mode.kind === 'private' && networkPath)
      out.push({ type, path: networkPath });
    else out.push({ type });
  };
  add('network', modes.network);
  if (modes.uts === 'private') out.push({ type: 'uts' });
  add('pid', modes.pid);
  add('ipc', modes.ipc);
  if (modes.cgroup === 'private') out.push({ type: 'cgroup' });
  return out;
}
