// One daemon per root. The lock is a listening socket in Linux's abstract
// namespace, named after the root's real path: binding it is atomic, and the
// kernel releases it the moment its process dies, so a killed daemon leaves no
// stale lock behind. The pid file beside it only serves the error message.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { BerthError, errnoOf, fromErrno } from '../util/errors.ts';
import { pidPathOf } from './paths.ts';

/** The abstract socket name for a root that exists (it is resolved to its real path). */
export async function rootLockName(root: string): Promise<string> {
  const real = await realpath(root).catch((err) => {
    throw fromErrno(err, `resolving berth root ${root}`);
  });
  return `\0berth-root-${createHash('sha256').update(real).digest('hex')}`;
}

function bind(name: string): Promise<Server | 'in-use'> {
  return new Promise((resolve, reject) => {
    const server = createServer((conn) => conn.destroy());
    server.once('error', (err) => (errnoOf(err) === 'EADDRINUSE' ? resolve('in-use') : reject(err)));
    server.listen(name, () => resolve(server));
  });
}

function pidOf(root: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidPathOf(root), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export class RootLock {
  readonly root: string;
  readonly #server: Server;

  private constructor(root: string, server: Server) {
    this.root = root;
    this.#server = server;
  }

  /** Take the lock for `root` (which must exist) and write this process's pid file. */
  static async acquire(root: string): Promise<RootLock> {
    const held = await bind(await rootLockName(root)).catch((err) => {
      throw fromErrno(err, `locking berth root ${root}`);
    });
    if (held === 'in-use') {
      const pid = pidOf(root);
      throw new BerthError(
        'Conflict',
        `another daemon is already using root ${root}${pid ? ` (pid ${pid})` : ''}; stop it first or pass --root`,
      );
    }
    const lock = new RootLock(root, held);
    await writeFile(pidPathOf(root), `${process.pid}\n`).catch(async (err) => {
      await lock.release();
      throw fromErrno(err, `writing ${pidPathOf(root)}`);
    });
    return lock;
  }

  async release(): Promise<void> {
    await rm(pidPathOf(this.root), { force: true });
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * Whether some process holds the lock of `root`. Read from /proc/net/unix, which
 * lists abstract sockets with a leading "@", so checking never takes the lock from
 * a daemon that is starting at the same moment.
 */
export async function isRootLocked(root: string): Promise<boolean> {
  let name: string;
  try {
    name = await rootLockName(root);
  } catch {
    return false;
  }
  const listed = await readFile('/proc/net/unix', 'utf8').catch(() => '');
  // Node binds abstract names padded with NULs to the full address length; they show as "@".
  const wanted = `@${name.slice(1)}`;
  return listed.split('\n').some(
    (line) =>
      line
        .split(' ')
        .pop()
        ?.replace(/(?<=.)@+$/, '') === wanted,
  );
}
