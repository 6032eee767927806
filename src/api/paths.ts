// Where the daemon keeps its state and where clients find it: flags first, then
// the environment (BERTH_ROOT, BERTH_STATE, BERTH_HOST), then the defaults.
import { isAbsolute, join, resolve } from 'node:path';
import { invalidArgument } from '../util/errors.ts';

export const DEFAULT_ROOT = '/var/lib/berth';
export const DEFAULT_STATE = '/run/berth';
export const SOCKET_NAME = 'berth.sock';
export const LOG_NAME = 'berthd.log';
export const PID_NAME = 'berthd.pid';

type Env = Readonly<Record<string, string | undefined>>;

export const resolveRoot = (flag: string | undefined, env: Env = process.env): string =>
  resolve(flag || env.BERTH_ROOT || DEFAULT_ROOT);

export const resolveState = (flag: string | undefined, env: Env = process.env): string =>
  resolve(flag || env.BERTH_STATE || DEFAULT_STATE);

export const socketPathOf = (state: string): string => join(state, SOCKET_NAME);
export const logPathOf = (root: string): string => join(root, LOG_NAME);
export const pidPathOf = (root: string): string => join(root, PID_NAME);

/** A host as `unix:///path/to.sock` or a plain absolute path, to the socket path. */
export function parseUnixHost(host: string): string {
  const path = host.startsWith('unix://') ? host.slice('unix://'.length) : host;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host) && !host.startsWith('unix://')) {
    throw invalidArgument(
      `host "${host}" is not supported: berth listens and connects on unix sockets only (unix:///path)`,
    );
  }
  if (!path || !isAbsolute(path)) {
    throw invalidArgument(`host "${host}" must name an absolute socket path, as unix:///path/to/berth.sock`);
  }
  return path;
}

export const unixHostOf = (socketPath: string): string => `unix://${socketPath}`;
