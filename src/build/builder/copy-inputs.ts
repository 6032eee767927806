// What a COPY or ADD reads from the build context, as one digest for its cache
// key: the entries its sources name (matchSources, the selection the copy itself
// makes, so the .dockerignore'd files the client left out of the context are
// left out here too), and under each directory every entry, in the sorted order
// the copy walks them. Each entry counts with its path, type and permission
// bits, a file with its size and content (hashed as it streams), a symlink with
// its target. What the copy does not carry into the layer is left out: source
// owners (the copy gives root, or --chown's, which is in the instruction),
// device files and fifos (not copied), and times: as Docker's classic builder
// does, a file touched but not changed is still a cache hit. Entries --exclude
// leaves out are left out here too (a change to one is still a hit), and with
// --parents the directories a match keeps count with their modes.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { type Digest, digestOf } from '../../oci/digest.ts';
import { fromErrno } from '../../util/errors.ts';
import { type CopyExcludes, NO_EXCLUDES } from './copy-exclude.ts';
import { type MatchOptions, matchSources, type SourceMatch } from './copy-sources.ts';
import { resolveInRoot } from './root-path.ts';

/** Files hashed at once: enough to keep the disk busy, few enough file descriptors. */
const PARALLEL_FILES = 16;

export async function copyInputsDigest(
  srcRoot: string,
  sources: readonly string[],
  opts: MatchOptions = {},
): Promise<Digest> {
  const files = new Limiter(PARALLEL_FILES);
  const exclude = opts.exclude ?? NO_EXCLUDES;
  const parts: unknown[] = [];
  for (const { source, matches } of await matchSources(srcRoot, sources, opts)) {
    // A source that names nothing fails the copy; its key only has to differ.
    const found = await Promise.all(
      matches.map(async (m) => [
        m.inRoot,
        m.keep ?? null,
        await keptDirModes(srcRoot, m),
        await entryDigest(m.host, files, m.rel, exclude),
      ]),
    );
    parts.push([source, found]);
  }
  return digestOf(JSON.stringify(parts));
}

/** --parents: the modes of the directories a match keeps above it (the copy makes them alike). */
async function keptDirModes(srcRoot: string, m: SourceMatch): Promise<number[]> {
  const keep = (m.keep ?? '').split('/').filter(Boolean);
  const modes: number[] = [];
  for (let i = 0; i < keep.length - 1; i++) {
    const dir = await resolveInRoot(srcRoot, posix.join(m.pivot ?? '/', ...keep.slice(0, i + 1)));
    modes.push(dir.exists ? (await lstat(dir.host)).mode & 0o7777 : -1);
  }
  return modes;
}

/**
 * One entry's digest; a directory's covers its entries' names and digests (a
 * Merkle tree). `rel` is what --exclude sees for the entry.
 */
async function entryDigest(
  host: string,
  files: Limiter,
  rel: string,
  exclude: CopyExcludes,
): Promise<string> {
  const st = await lstat(host).catch((err) => {
    throw fromErrno(err, `reading ${host} for the build cache`);
  });
  const mode = st.mode & 0o7777;
  if (st.isDirectory()) {
    const names = (await readdir(host)).sort();
    const children = await Promise.all(
      names.map(async (n) => {
        const childRel = rel ? `${rel}/${n}` : n;
        const path = join(host, n);
        if (exclude.excludes(childRel) && exclude.skips(childRel, (await lstat(path)).isDirectory()))
          return [n, ''] as const;
        return [n, await entryDigest(path, files, childRel, exclude)] as const;
      }),
    );
    return digestOf(JSON.stringify(['d', mode, children.filter(([, d]) => d !== '')]));
  }
  if (st.isSymbolicLink()) return digestOf(JSON.stringify(['l', mode, await readlink(host)]));
  if (!st.isFile()) return ''; // not copied
  const content = await files.run(() => fileDigest(host));
  return digestOf(JSON.stringify(['f', mode, st.size, content]));
}

async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    throw fromErrno(err, `reading ${path} for the build cache`);
  }
  return hash.digest('hex');
}

/** At most `max` of the tasks run at once. */
class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
