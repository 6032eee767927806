// Containers' state under the runtime's state directory (`--root`, /run/berth-runc by
// default; runc uses /run/runc): one directory per container id holding state.json,
// written atomically, and a lock file so two commands on one container (two `start`s, a
// `kill` racing a `delete`) take turns. A container's status is not trusted from the file:
// it is derived from the live process (same pid, same start time) and its freezer.
import { mkdir, open, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../../util/durable-fs.ts';
import { BerthError, conflict, errnoOf, fromErrno, notFound } from '../../util/errors.ts';
import type { ContainerStatus, OciState } from '../spec/types.ts';
import { OCI_VERSION } from '../spec/types.ts';
import { validateContainerId } from './container-id.ts';
import { isSameProcessAlive, pidExists, processStartTime } from './proc-start-time.ts';

export const DEFAULT_STATE_ROOT = '/run/berth-runc';
const STATE_FILE = 'state.json';
const LOCK_FILE = 'lock';

/** What the runtime keeps about one container. */
export interface ContainerState {
  ociVersion: string;
  id: string;
  /** As last recorded; `status()` derives the live one. */
  status: ContainerStatus;
  /** The container's init process on the host; 0 before it exists. */
  pid: number;
  bundle: string;
  annotations?: Record<string, string>;
  /** Host path of the root filesystem. */
  rootfs: string;
  /** When the container was created (RFC 3339). */
  created: string;
  /** The init's start time (/proc/<pid>/stat field 22), so a reused pid is not mistaken for it. */
  pidStartTime?: number;
  /** The shim that holds the container's stdio and exit status. */
  shimPid?: number;
  shimStartTime?: number;
  /** The cgroup path inside each hierarchy and the directories it made. */
  cgroupPath?: string;
  cgroupDirs?: string[];
  /** Exit status once the shim recorded it. */
  exitStatus?: number;
}

export interface LockOptions {
  /** How long to wait for another holder (default 10 s). */
  timeoutMs?: number;
}

export class StateStore {
  // One command at a time per container inside this process too (berthd runs many).
  private readonly local = new Map<string, Promise<unknown>>();

  constructor(readonly root = DEFAULT_STATE_ROOT) {}

  dir(id: string): string {
    return join(this.root, validateContainerId(id));
  }

  /** Record a new container; refuses an id that is in use. */
  async create(state: ContainerState): Promise<void> {
    const dir = this.dir(state.id);
    try {
      await mkdir(this.root, { recursive: true, mode: 0o711 });
      await mkdir(dir, { mode: 0o711 });
    } catch (err) {
      if (errnoOf(err) === 'EEXIST') throw conflict(`container with given ID already exists: ${state.id}`);
      throw fromErrno(err, `creating the state directory ${dir}`);
    }
    await this.save(state);
  }

  async save(state: ContainerState): Promise<void> {
    await writeFileAtomic(join(this.dir(state.id), STATE_FILE), `${JSON.stringify(state)}\n`, {
      mode: 0o600,
    });
  }

  async exists(id: string): Promise<boolean> {
    try {
      await readFile(join(this.dir(id), STATE_FILE));
      return true;
    } catch {
      return false;
    }
  }

  async load(id: string): Promise<ContainerState> {
    const file = join(this.dir(id), STATE_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') throw notFound(`container does not exist: ${id}`);
      throw fromErrno(err, `reading ${file}`);
    }
    let state: ContainerState;
    try {
      state = JSON.parse(text) as ContainerState;
    } catch (err) {
      throw new BerthError('Internal', `${file}: damaged state file: ${(err as Error).message}`);
    }
    if (state?.id !== id || typeof state.pid !== 'number' || typeof state.bundle !== 'string') {
      throw new BerthError('Internal', `${file}: damaged state file: not the state of container ${id}`);
    }
    return state;
  }

  /** Every container with a readable state file, by id. */
  async list(): Promise<ContainerState[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return [];
      throw fromErrno(err, `listing ${this.root}`);
    }
    const out: ContainerState[] = [];
    for (const name of names.sort()) {
      try {
        out.push(await this.load(name));
      } catch {
        // Not a container directory (or one being created or deleted right now).
      }
    }
    return out;
  }

  /** Forget a container: its state directory goes. */
  async remove(id: string): Promise<void> {
    await rm(this.dir(id), { recursive: true, force: true });
  }

  /** The live status: stopped once the init is gone, paused while frozen. */
  async status(state: ContainerState): Promise<ContainerStatus> {
    if (!state.pid) return state.status === 'creating' ? 'creating' : 'stopped';
    if (!(await isSameProcessAlive(state.pid, state.pidStartTime))) return 'stopped';
    if (await isFrozen(state.cgroupDirs ?? [])) return 'paused';
    if (state.status === 'creating' || state.status === 'created') return state.status;
    return 'running';
  }

  /** The state document `runc state` prints (runtime-spec's state, plus runc's extras). */
  async ociState(id: string): Promise<OciState & { rootfs: string; created: string; owner: string }> {
    const state = await this.load(id);
    const status = await this.status(state);
    return toOciState(state, status);
  }

  /**
   * Run `fn` holding the container's lock. Across processes the lock is a file made with
   * O_EXCL holding the holder's pid and start time; a holder that died leaves a stale file,
   * which the next one removes.
   */
  async withLock<T>(id: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
    const prev = this.local.get(id) ?? Promise.resolve();
    const run = prev.catch(() => {}).then(() => this.withFileLock(id, fn, opts.timeoutMs ?? 10_000));
    const tail = run.catch(() => {});
    this.local.set(id, tail);
    try {
      return await run;
    } finally {
      if (this.local.get(id) === tail) this.local.delete(id);
    }
  }

  private async withFileLock<T>(id: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
    const dir = this.dir(id);
    const lock = join(dir, LOCK_FILE);
    const me = `${process.pid} ${(await processStartTime(process.pid)) ?? 0}`;
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; ; i++) {
      try {
        const h = await open(lock, 'wx', 0o600);
        await h.writeFile(me);
        await h.close();
        break;
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') throw notFound(`container does not exist: ${id}`);
        if (errnoOf(err) !== 'EEXIST') throw fromErrno(err, `locking container ${id}`);
      }
      const holder = await readFile(lock, 'utf8').catch(() => '');
      if (holder && (await isStale(holder))) {
        // Remove it only if it is still that same stale holder's file.
        if ((await readFile(lock, 'utf8').catch(() => '')) === holder) await unlink(lock).catch(() => {});
        continue;
      }
      if (Date.now() > deadline) {
        throw conflict(
          `container ${id} is busy: another command holds its lock (pid ${holder.split(' ')[0] || '?'})`,
        );
      }
      await sleep(Math.min(5 + i * 5, 100));
    }
    try {
      return await fn();
    } finally {
      await unlink(lock).catch(() => {});
    }
  }
}

async function isStale(holder: string): Promise<boolean> {
  const [pid, start] = holder.trim().split(' ').map(Number);
  if (!pid || !pidExists(pid)) return true;
  const now = await processStartTime(pid);
  return now === undefined || (start !== undefined && start !== 0 && now !== start);
}

async function isFrozen(dirs: readonly string[]): Promise<boolean> {
  for (const dir of dirs) {
    const v1 = await readFile(join(dir, 'freezer.state'), 'utf8').catch(() => undefined);
    if (v1 !== undefined) return v1.trim() === 'FROZEN';
  }
  for (const dir of dirs) {
    const v2 = await readFile(join(dir, 'cgroup.freeze'), 'utf8').catch(() => undefined);
    if (v2 !== undefined) return v2.trim() === '1';
  }
  return false;
}

export function toOciState(
  state: ContainerState,
  status: ContainerStatus,
): OciState & { rootfs: string; created: string; owner: string } {
  return {
    ociVersion: state.ociVersion || OCI_VERSION,
    id: state.id,
    // runc reports 0 for a container whose process is gone.
    pid: status === 'stopped' ? 0 : state.pid,
    status,
    bundle: state.bundle,
    rootfs: state.rootfs,
    created: state.created,
    owner: '',
    ...(state.annotations && Object.keys(state.annotations).length ? { annotations: state.annotations } : {}),
  };
}
