// Paths inside a container's root filesystem, reached from the host without ever leaving
// it. The rootfs is the image's, so any of its symlinks may point anywhere (`/etc/passwd ->
// /../../host/etc/shadow`). Each component is opened relative to its already-open parent
// (Node has no openat, so through /proc/self/fd/N) with O_PATH|O_NOFOLLOW: the kernel never
// follows a symlink or a `..` for us. A symlink is read and resolved here, against the
// rootfs root as if it were `/`, and `..` never climbs above that root. Opening with O_PATH
// also means a device node or fifo in the image is never opened for real.
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  type Stats,
} from 'node:fs';
import { BerthError, errnoOf, fromErrno } from '../../util/errors.ts';

// Not in Node's fs.constants; the same value on every architecture berth builds for.
const O_PATH = 0o10000000;
const MAX_SYMLINKS = 40;
/** /etc/passwd and /etc/group larger than this are not believed. */
const MAX_READ = 4 * 1024 * 1024;

const fdPath = (fd: number) => `/proc/self/fd/${fd}`;

function components(path: string): string[] {
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

interface WalkOptions {
  /** Create missing directories (mode 0755, owned by whoever runs berth: root). */
  mkdir?: boolean;
}

/**
 * An O_PATH descriptor of `path` inside `root`, symlinks resolved within the root; undefined
 * when some component does not exist. The caller closes it.
 */
function walk(root: string, path: string, where: string, opts: WalkOptions = {}): number | undefined {
  let rootFd: number;
  try {
    rootFd = openSync(root, O_PATH | constants.O_DIRECTORY);
  } catch (err) {
    throw fromErrno(err, `${where}: opening the container's root filesystem ${root}`);
  }
  const stack = [rootFd];
  let pending = components(path);
  let links = 0;
  try {
    while (pending.length) {
      const name = pending.shift() as string;
      if (name === '..') {
        if (stack.length > 1) closeSync(stack.pop() as number);
        continue;
      }
      const at = `${fdPath(stack[stack.length - 1])}/${name}`;
      let fd: number;
      try {
        fd = openSync(at, O_PATH | constants.O_NOFOLLOW);
      } catch (err) {
        if (errnoOf(err) === 'ENOENT' && opts.mkdir) {
          try {
            mkdirSync(at, 0o755);
          } catch (e) {
            // Someone else made it meanwhile: open what is there now.
            if (errnoOf(e) !== 'EEXIST')
              throw fromErrno(e, `${where}: creating ${path} in the container's root filesystem`);
          }
          pending.unshift(name);
          continue;
        }
        if (errnoOf(err) === 'ENOENT') return undefined;
        throw fromErrno(err, `${where}: opening ${path} in the container's root filesystem`);
      }
      const st = fstatSync(fd);
      if (st.isSymbolicLink()) {
        closeSync(fd);
        if (++links > MAX_SYMLINKS) {
          throw new BerthError('InvalidArgument', `${where}: ${path}: too many levels of symbolic links`);
        }
        const target = readlinkSync(at);
        if (target.startsWith('/')) while (stack.length > 1) closeSync(stack.pop() as number);
        pending = [...components(target), ...pending];
        continue;
      }
      stack.push(fd);
      if (pending.length && !st.isDirectory()) {
        throw new BerthError('InvalidArgument', `${where}: ${path}: "${name}" is not a directory`);
      }
    }
    return stack.pop();
  } finally {
    for (const fd of stack) closeSync(fd);
  }
}

/** What is at `path` inside the rootfs (symlinks resolved within it), or undefined. */
export function statInRoot(root: string, path: string, where: string): Stats | undefined {
  const fd = walk(root, path, where);
  if (fd === undefined) return undefined;
  try {
    return fstatSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The text of a regular file inside the rootfs, or undefined when it does not exist. */
export function readFileInRoot(root: string, path: string, where: string): string | undefined {
  const fd = walk(root, path, where);
  if (fd === undefined) return undefined;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new BerthError('InvalidArgument', `${where}: ${path} is not a regular file`);
    if (st.size > MAX_READ) {
      throw new BerthError('InvalidArgument', `${where}: ${path} is larger than ${MAX_READ} bytes`);
    }
    // Reopening the O_PATH descriptor's magic link opens exactly the inode found above.
    const rfd = openSync(fdPath(fd), constants.O_RDONLY);
    try {
      return readFileSync(rfd, 'utf8');
    } finally {
      closeSync(rfd);
    }
  } finally {
    closeSync(fd);
  }
}

/** Create `path` and its missing parents inside the rootfs; refuse when something there is not a directory. */
export function mkdirInRoot(root: string, path: string, where: string): void {
  const fd = walk(root, path, where, { mkdir: true });
  if (fd === undefined) return;
  try {
    if (!fstatSync(fd).isDirectory()) {
      throw new BerthError('InvalidArgument', `${where}: ${path} exists and is not a directory`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Run `use` with a path that names the directory `path` inside the rootfs (a /proc magic
 * link to its open descriptor), so a process berth starts reaches that directory and no
 * other. Undefined when it does not exist or is not a directory.
 */
export function withDirInRoot<T>(
  root: string,
  path: string,
  where: string,
  use: (procPath: string) => T,
): T | undefined {
  const fd = walk(root, path, where);
  if (fd === undefined) return undefined;
  try {
    if (!fstatSync(fd).isDirectory()) return undefined;
    return use(`/proc/${process.pid}/fd/${fd}`);
  } finally {
    closeSync(fd);
  }
}
