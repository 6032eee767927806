// Which daemon a command talks to, and whether berth may start it: only the
// default socket of the configured state directory is auto-started; an explicit
// -H or BERTH_HOST elsewhere means someone else runs that daemon.
import { parseUnixHost, resolveRoot, resolveState, socketPathOf } from '../api/paths.ts';
import type { GlobalOptions } from './command.ts';

export interface DaemonTarget {
  readonly socketPath: string;
  readonly root: string;
  readonly state: string;
  readonly autoStart: boolean;
}

export function resolveTarget(
  globals: GlobalOptions,
  env: Readonly<Record<string, string | undefined>>,
): DaemonTarget {
  const root = resolveRoot(globals.root, env);
  const state = resolveState(globals.state, env);
  const fallback = socketPathOf(state);
  const host = globals.host || env.BERTH_HOST;
  const socketPath = host ? parseUnixHost(host) : fallback;
  return { socketPath, root, state, autoStart: socketPath === fallback };
}
