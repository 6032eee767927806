// Where the benchmarks put what they make (stores, layouts, bundles, archives),
// and taking it all away again, also on Ctrl-C.
//
// By default that is os.tmpdir(). BENCH_DIR=<dir> puts it on another
// filesystem. BENCH_FS=loop makes a fresh ext4 *with a journal* on a loop
// device for the run (a sparse file in os.tmpdir(), mounted under it, unmounted
// and deleted at the end): on this machine / is ext4 without a journal, where
// ext4 refuses to reuse an inode freed in the last minutes and scans past every
// such inode on each file creation, so after a benchmark (or anyone else)
// deletes a 10,000-file tree, creating files is several times slower for a
// while. A journalled ext4, as on a normal Docker host, does not do that.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const made: string[] = [];
/** Undo steps that run after the directories are gone (unmount), last registered first. */
const finalizers: (() => Promise<void>)[] = [];

/** Where temporary directories go: BENCH_DIR, else os.tmpdir(). */
export const workRoot = (): string => process.env.BENCH_DIR || tmpdir();

/** A new directory under workRoot(), removed by cleanup(). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(workRoot(), `berth-bench-${prefix}-`));
  made.push(dir);
  return dir;
}

/** Remove a directory and everything in it (between runs). */
export const remove = (path: string) => rm(path, { recursive: true, force: true });

let cleaning: Promise<void> | undefined;

/** Remove every directory tempDir made, then unmount what was mounted; concurrent callers share one pass. */
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (made.length) await remove(made.pop()!);
    while (finalizers.length) await finalizers.pop()!();
  })().finally(() => {
    cleaning = undefined;
  });
  return cleaning;
}

let signalled = false;

/**
 * On Ctrl-C or SIGTERM, clean up and exit 130. The tools being run get the
 * signal too; their failure is then expected, and `interrupted()` says so.
 */
export function cleanUpOnSignal(): void {
  const onSignal = () => {
    signalled = true;
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

export const interrupted = () => signalled;

/**
 * With BENCH_FS=loop (and no BENCH_DIR), make and mount a journalled ext4 and
 * point BENCH_DIR at it, for this process and the benchmarks it starts.
 * Returns a line that says where the work happens.
 */
export async function prepareWorkFs(): Promise<string> {
  const kind = process.env.BENCH_FS ?? 'tmp';
  if (kind !== 'loop' || process.env.BENCH_DIR) {
    if (kind !== 'loop' && kind !== 'tmp') throw new Error(`BENCH_FS=${kind}: expected "tmp" or "loop"`);
    return `work directory: ${workRoot()}${await fsDescription(workRoot())}`;
  }
  const home = await mkdtemp(join(tmpdir(), 'berth-bench-fs-'));
  const image = join(home, 'ext4.img');
  const mountPoint = join(home, 'mnt');
  let mounted = false;
  finalizers.push(async () => {
    if (mounted) await run('umount', [mountPoint]);
    await remove(home);
  });
  await run('truncate', ['-s', '32G', image]);
  await run('mkfs.ext4', ['-q', '-F', image]);
  await mkdir(mountPoint);
  await run('mount', ['-o', 'loop', image, mountPoint]);
  mounted = true;
  process.env.BENCH_DIR = mountPoint;
  return `work directory: ${mountPoint}, a fresh ext4 with a journal on a loop device (BENCH_FS=loop)`;
}

async function fsDescription(dir: string): Promise<string> {
  try {
    const { stdout } = await run('findmnt', ['-n', '-o', 'FSTYPE,SOURCE', '-T', dir]);
    const [type, source] = stdout.trim().split(/\s+/);
    const journal = type === 'ext4' ? await hasJournal(source) : true;
    return journal
      ? ` (${type} on ${source})`
      : ` (${type} on ${source}, without a journal: file creation slows down for minutes after a big delete; ` +
          'BENCH_FS=loop gives steadier figures)';
  } catch {
    return '';
  }
}

/** jbd2 lists each mounted journal as /proc/fs/jbd2/<device>-<inode>. */
async function hasJournal(source: string): Promise<boolean> {
  const device = basename(source);
  const journals = await readdir('/proc/fs/jbd2').catch(() => [] as string[]);
  return journals.some((j) => j.startsWith(`${device}-`));
}
