// A lock file that dies with its process: it names the owner's pid, the
// owner's start time (from /proc, so a reused pid is not mistaken for the
// owner) and a random nonce. It is made by writing a temporary file and
// link(2)ing it to the lock name, which fails if the name exists, so a lock is
// never seen half-written.
//
// A lock whose owner is gone (no such pid, a zombie, or a pid now owned by a
// process that started at another time) is stale and is removed, then taken
// as usual. Only one process at a time may remove a stale lock: it first takes
// `<lock>.takeover` the same way, checks that the lock is still the stale one
// it judged (same nonce), and unlinks it. So a fresh lock is never removed by
// anyone but its owner, and exactly one contender wins. The residual case is
// a process that dies in the microseconds it holds `.takeover`, while others
// contend; the ingest's own checks (the data file's size must equal what its
// writer wrote, and the lock must still be its own) stop a commit then.
//
// Locks are per machine and per pid namespace: processes that share the store
// must see each other's pids (berthd is the only writer, so this holds).
import { randomBytes } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { BerthError, errnoOf, fromErrno } from '../util/errors.ts';

interface LockOwner {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot), when readable. */
  start?: string;
  nonce: string;
}

/** The start time and state of a process, or undefined when it does not exist. */
async function procStat(pid: number): Promise<{ start: string; state: string } | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses; fields after it are plain.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], start: fields[19] };
}

async function isAlive(owner: LockOwner): Promise<boolean> {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if (errnoOf(err) !== 'EPERM') return false;
  }
  const stat = await procStat(owner.pid);
  if (!stat) return owner.start === undefined; // no /proc: trust kill(0)
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return owner.start === undefined || owner.start === stat.start;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0 && typeof v.nonce === 'string') {
      return { pid: v.pid, start: typeof v.start === 'string' ? v.start : undefined, nonce: v.nonce };
    }
  } catch {}
  return undefined;
}

async function readOwner(path: string): Promise<LockOwner | 'absent' | 'garbage'> {
  try {
    return parseOwner(await readFile(path, 'utf8')) ?? 'garbage';
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return 'absent';
    throw fromErrno(err, `reading lock ${path}`);
  }
}

const sameOwner = (a: LockOwner | 'absent' | 'garbage', b: LockOwner | 'garbage') =>
  typeof a === 'object' && typeof b === 'object' ? a.nonce === b.nonce : a === b;

/** link(2) `from` to `to`; false if `to` exists. */
async function tryLink(from: string, to: string, what: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return false;
    throw fromErrno(err, `taking lock for ${what}`);
  }
}

async function unlinkIf(path: string, expected: LockOwner | 'garbage'): Promise<void> {
  if (sameOwner(await readOwner(path), expected)) await unlink(path).catch(() => {});
}

const MAX_ATTEMPTS = 20;

export class IngestLock {
  private constructor(
    readonly path: string,
    private readonly nonce: string,
  ) {}

  /**
   * Take the lock at `path` (its directory must exist), or throw Conflict
   * naming `what` when a live process holds it.
   */
  static async acquire(path: string, what: string): Promise<IngestLock> {
    const self = await procStat(process.pid);
    const owner: LockOwner = { pid: process.pid, start: self?.start, nonce: randomBytes(12).toString('hex') };
    const temp = `${path}.${owner.nonce}`;
    try {
      await writeFile(temp, JSON.stringify(owner), { flag: 'wx' });
    } catch (err) {
      throw fromErrno(err, `creating lock for ${what}`);
    }
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if (await tryLink(temp, path, what)) return new IngestLock(path, owner.nonce);
        const holder = await readOwner(path);
        if (holder === 'absent') continue;
        // A lock file is always written whole before it gets its name, so garbage means
        // someone wrote it by hand or the disk lost it: treat it as stale.
        if (holder !== 'garbage' && (await isAlive(holder))) {
          throw new BerthError(
            'Conflict',
            `${what} is in use by process ${holder.pid}; wait for it to finish or abort it`,
          );
        }
        await IngestLock.removeStale(path, holder, temp, what);
      }
      throw new BerthError(
        'Conflict',
        `${what}: could not take the lock ${path} after ${MAX_ATTEMPTS} attempts`,
      );
    } finally {
      await unlink(temp).catch(() => {});
    }
  }

  /** Remove the stale lock `stale` at `path`, holding `<path>.takeover` (made from `temp`) meanwhile. */
  private static async removeStale(
    path: string,
    stale: LockOwner | 'garbage',
    temp: string,
    what: string,
  ): Promise<void> {
    const guard = `${path}.takeover`;
    if (!(await tryLink(temp, guard, what))) {
      const taker = await readOwner(guard);
      if (taker === 'absent') return;
      if (taker !== 'garbage' && (await isAlive(taker))) {
        throw new BerthError('Conflict', `${what} is being taken over by process ${taker.pid}`);
      }
      await unlinkIf(guard, taker); // left by a process that died while taking over
      return;
    }
    try {
      await unlinkIf(path, stale);
    } finally {
      await unlink(guard).catch(() => {});
    }
  }

  /** True while the lock file is still ours. */
  async held(): Promise<boolean> {
    const owner = await readOwner(this.path);
    return typeof owner === 'object' && owner.nonce === this.nonce;
  }

  /** Remove the lock if it is still ours. */
  async release(): Promise<void> {
    if (await this.held()) await unlink(this.path).catch(() => {});
  }
}
