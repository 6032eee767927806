// Mounting a container's root filesystem from its snapshot's mounts (plain data,
// see snapshot/snapshotter.ts) on the host, where berthd and the runtime see it:
// overlay (image layers as lower, the container layer as upper) or, on the vfs
// driver, a bind of the container's full copy. mount(8) does the syscall: Node
// has none, and this happens once per start, not per file.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Mount } from '../snapshot/snapshotter.ts';
import { BerthError } from '../util/errors.ts';

const run = promisify(execFile);

export async function mountRootfs(mounts: Mount[], target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  if (await isMountpoint(target)) return;
  for (const m of mounts) {
    const args =
      m.type === 'bind'
        ? ['--bind', ...optionArgs(m.options.filter((o) => o !== 'bind' && o !== 'rbind')), m.source, target]
        : ['-t', m.type, ...optionArgs(m.options), m.source, target];
    try {
      await run('mount', args);
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new BerthError(
        'Internal',
        `mounting the container's root filesystem on ${target}: ${(e.stderr || e.message).trim()}`,
      );
    }
  }
}

const optionArgs = (options: string[]): string[] => (options.length ? ['-o', options.join(',')] : []);

/** Unmount; a target that is not mounted is fine. */
export async function unmountRootfs(target: string): Promise<void> {
  if (!(await isMountpoint(target))) return;
  try {
    await run('umount', [target]);
  } catch {
    // busy (a process of ours still looking inside): detach it now, it goes when released
    await run('umount', ['-l', target]).catch(() => {});
  }
}

export async function isMountpoint(path: string): Promise<boolean> {
  return (await mountpoints()).includes(path);
}

/** The mount points strictly under `dir`, deepest first (the order to unmount them in). */
export async function mountpointsUnder(dir: string): Promise<string[]> {
  const prefix = `${dir.replace(/\/+$/, '')}/`;
  return (await mountpoints())
    .filter((p) => p.startsWith(prefix))
    .sort((a, b) => b.split('/').length - a.split('/').length);
}

async function mountpoints(): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => unescapeMountPath(line.split(' ')[4] ?? ''));
}

const unescapeMountPath = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
