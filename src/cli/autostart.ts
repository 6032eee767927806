// Starting the daemon when a command finds none: a detached `berth daemon` for
// the configured root and state, logging to <root>/berthd.log, then polling its
// socket until it answers. When two commands race, both spawn a daemon, the root
// lock lets one win, the other exits, and both commands find the winner.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { logPathOf } from '../api/paths.ts';
import { isRootLocked } from '../api/root-lock.ts';
import { BerthError, fromErrno } from '../util/errors.ts';
import { Client, isNotRunning } from './client.ts';
import type { DaemonTarget } from './target.ts';

export const AUTOSTART_TIMEOUT_MS = 15_000;
const POLL_MS = 50;

function logTail(path: string, lines = 10): string {
  try {
    const text = readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    return text ? `\n${text}` : '';
  } catch {
    return '';
  }
}

/** The command line that runs this same berth as a daemon (the bundle, or the sources under tsx). */
function daemonArgv(target: DaemonTarget): string[] {
  const script = process.argv[1];
  if (!script)
    throw new BerthError('Internal', 'cannot start the berth daemon: the path of berth itself is unknown');
  return [...process.execArgv, script, 'daemon', '--root', target.root, '--state', target.state];
}

/** Start a daemon for `target` and wait until its socket answers a ping. */
export async function startDaemonInBackground(
  target: DaemonTarget,
  opts: { timeoutMs?: number; debug?: boolean } = {},
): Promise<void> {
  const logPath = logPathOf(target.root);
  await mkdir(target.root, { recursive: true, mode: 0o711 }).catch((err) => {
    throw fromErrno(err, `cannot start the berth daemon: creating its root ${target.root}`);
  });
  let fd: number;
  try {
    fd = openSync(logPath, 'a', 0o600);
  } catch (err) {
    throw fromErrno(err, `cannot start the berth daemon: opening its log ${logPath}`);
  }
  let exited: number | null | undefined;
  try {
    const argv = [...daemonArgv(target), ...(opts.debug ? ['--log-level', 'debug'] : [])];
    const child = spawn(process.execPath, argv, { detached: true, stdio: ['ignore', fd, fd] });
    child.on('exit', (code, signal) => {
      exited = code ?? (signal ? 128 : 1);
    });
    child.on('error', () => {
      exited = 127;
    });
    child.unref();
  } finally {
    closeSync(fd);
  }

  const client = new Client(target.socketPath);
  const deadline = Date.now() + (opts.timeoutMs ?? AUTOSTART_TIMEOUT_MS);
  while (Date.now() < deadline) {
    try {
      await client.ping(2_000);
      return;
    } catch (err) {
      if (!isNotRunning(err)) throw err;
    }
    // Our daemon gave up: if no other daemon holds the root, nothing is coming.
    if (exited !== undefined && !(await isRootLocked(target.root))) {
      throw new BerthError(
        'Unavailable',
        `the berth daemon exited (status ${exited}) before it was ready; its log is ${logPath}:${logTail(logPath)}`,
      );
    }
    await sleep(POLL_MS);
  }
  throw new BerthError(
    'Unavailable',
    `the berth daemon did not answer on ${target.socketPath} within ${Math.round((opts.timeoutMs ?? AUTOSTART_TIMEOUT_MS) / 1000)}s; its log is ${logPath}:${logTail(logPath)}`,
  );
}

/** A negotiated client for `target`, starting the daemon first when allowed and needed. */
export async function connect(target: DaemonTarget, opts: { debug?: boolean } = {}): Promise<Client> {
  const client = new Client(target.socketPath);
  try {
    await client.negotiate();
  } catch (err) {
    if (!target.autoStart || !isNotRunning(err)) throw err;
    await startDaemonInBackground(target, opts);
    await client.negotiate();
  }
  return client;
}
