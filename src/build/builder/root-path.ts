// Host paths of paths inside a root filesystem (a build step's mounted rootfs, the
// build context), with every symlink resolved as if the root were `/`: an image's
// `/usr/local -> /../../host` can never make the builder write outside the root.
// Nothing runs in the root while a file step works on it, so a path resolved here
// stays what it was until the step is done.
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, errnoOf, fromErrno } from '../../util/errors.ts';

const MAX_SYMLINKS = 40;

export interface RootPath {
  /** The host path: every component a real directory, except perhaps the last. */
  host: string;
  /** The path inside the root, symlinks resolved, starting with `/`. */
  inRoot: string;
  /** False when the last component (or a directory above it) does not exist. */
  exists: boolean;
}

const split = (p: string) => p.split('/').filter((c) => c !== '' && c !== '.');

/**
 * Resolve `path` inside `root`. The last component's symlink is followed unless
 * `followLast` is false. A missing component ends the walk (the rest is appended as is).
 */
export async function resolveInRoot(root: string, path: string, followLast = true): Promise<RootPath> {
  const done: string[] = [];
  let pending = split(path);
  let links = 0;
  while (pending.length) {
    const name = pending.shift() as string;
    if (name === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, name);
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(host);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') {
        const rest = [...done, name, ...pending.filter((c) => c !== '..')];
        return { host: join(root, ...rest), inRoot: `/${rest.join('/')}`, exists: false };
      }
      throw fromErrno(err, `resolving ${path}`);
    }
    if (st.isSymbolicLink() && (pending.length > 0 || followLast)) {
      if (++links > MAX_SYMLINKS)
        throw new BerthError('InvalidArgument', `${path}: too many levels of symbolic links`);
      const target = await readlink(host);
      if (target.startsWith('/')) done.length = 0;
      pending = [...split(target), ...pending];
      continue;
    }
    if (pending.length > 0 && !st.isDirectory()) {
      throw new BerthError('InvalidArgument', `${path}: "${name}" is not a directory`);
    }
    done.push(name);
  }
  return { host: join(root, ...done), inRoot: `/${done.join('/')}`, exists: true };
}
