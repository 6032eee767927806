// create, start, run, kill, delete: a container's life.
import { resolve } from 'node:path';
import type { BerthError } from '../../util/errors.ts';
import { containerId, type FlagDef, flagBool, flagValue, parseFlags } from './args.ts';
import type { BerthRuntime } from './berth-runtime.ts';
import type { Cli } from './cli.ts';
import { parseSignal } from './signals.ts';

export const CREATE_FLAGS: FlagDef[] = [
  { name: 'bundle', short: 'b', value: true },
  { name: 'console-socket', value: true },
  { name: 'pid-file', value: true },
  { name: 'no-pivot' },
  { name: 'no-new-keyring' },
  { name: 'preserve-fds', value: true },
  { name: 'detach', short: 'd' },
  { name: 'keep' },
];

interface CreateArgs {
  id: string;
  bundle: string;
  consoleSocket?: string;
  pidFile?: string;
  noPivot: boolean;
  detach: boolean;
}

function createArgs(argv: string[], verb: string): CreateArgs {
  const p = parseFlags(argv, CREATE_FLAGS, verb);
  const id = containerId(p, verb);
  const bundle = resolve(flagValue(p, 'bundle') ?? '.');
  const pidFile = flagValue(p, 'pid-file');
  const consoleSocket = flagValue(p, 'console-socket');
  return {
    id,
    bundle,
    consoleSocket: consoleSocket ? resolve(consoleSocket) : undefined,
    pidFile: pidFile ? resolve(pidFile) : undefined,
    noPivot: flagBool(p, 'no-pivot'),
    detach: verb === 'create' || flagBool(p, 'detach'),
  };
}

export async function cmdCreate(cli: Cli, argv: string[]): Promise<number> {
  const a = createArgs(argv, 'create');
  await cli.runtime.create(a.id, a.bundle, {
    pidFile: a.pidFile,
    consoleSocket: a.consoleSocket,
    noPivot: a.noPivot,
    stdio: 'inherit',
  });
  return 0;
}

export async function cmdStart(cli: Cli, argv: string[]): Promise<number> {
  const id = containerId(parseFlags(argv, [], 'start'), 'start');
  await cli.runtime.start(id);
  return 0;
}

export async function cmdRun(cli: Cli, argv: string[]): Promise<number> {
  const a = createArgs(argv, 'run');
  const rt = cli.runtime;
  await rt.create(a.id, a.bundle, {
    pidFile: a.pidFile,
    consoleSocket: a.consoleSocket,
    noPivot: a.noPivot,
    stdio: 'inherit',
    keepMonitor: !a.detach,
  });
  const handle = rt.waitHeld(a.id);
  try {
    await rt.start(a.id);
  } catch (err) {
    await rt.delete(a.id, { force: true }).catch(() => {});
    throw err;
  }
  if (a.detach || !handle) return 0;
  // In the foreground we are the container's keeper: signals to us go to it.
  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(handle.monitorPid, sig);
    } catch {}
  };
  const sigs: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];
  for (const s of sigs) process.on(s, forward);
  const status = await handle.wait();
  for (const s of sigs) process.off(s, forward);
  await rt.delete(a.id, { force: true }).catch((e: Error) => cli.log.warn(e.message));
  return status.exitCode;
}

export async function cmdKill(cli: Cli, argv: string[]): Promise<number> {
  const p = parseFlags(argv, [{ name: 'all', short: 'a' }], 'kill');
  const id = containerId(p, 'kill', 1);
  const signal = parseSignal(p.rest[1] ?? 'SIGTERM');
  await cli.runtime.kill(id, signal, { all: flagBool(p, 'all') });
  return 0;
}

export async function cmdDelete(cli: Cli, argv: string[]): Promise<number> {
  const p = parseFlags(argv, [{ name: 'force', short: 'f' }], 'delete');
  const id = containerId(p, 'delete');
  try {
    await cli.runtime.delete(id, { force: flagBool(p, 'force') });
  } catch (err) {
    // runc: deleting a container that is not there with --force is not an error
    if (flagBool(p, 'force') && (err as BerthError).code === 'NotFound') return 0;
    throw err;
  }
  return 0;
}

export type { BerthRuntime };
