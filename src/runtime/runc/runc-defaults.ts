// What runc does on the way from config.json to the kernel that the spec layer leaves to
// the runtime: zero-valued limits mean "not set" (Docker sends blockIO.weight 0 and
// cpu.shares 0), and a process without HOME gets the home directory of its uid from the
// rootfs's /etc/passwd, or `/`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Process, Resources } from '../spec/types.ts';

export function withoutZeroLimits(r: Resources | undefined): Resources {
  const out: Resources = structuredClone(r ?? {});
  if (out.blockIO) {
    if (out.blockIO.weight === 0) delete out.blockIO.weight;
    if (out.blockIO.leafWeight === 0) delete out.blockIO.leafWeight;
  }
  if (out.cpu) {
    for (const k of ['shares', 'quota', 'period', 'realtimeRuntime', 'realtimePeriod'] as const) {
      if (out.cpu[k] === 0) delete out.cpu[k];
    }
  }
  return out;
}

export function withHome(proc: Process, rootfs: string): Process {
  const env = proc.env ?? [];
  if (env.some((e) => e.startsWith('HOME='))) return proc;
  const uid = proc.user?.uid ?? 0;
  let home = '/';
  try {
    // a read of the image's own file; a symlink out of the rootfs only changes a default
    for (const line of readFileSync(join(rootfs, 'etc/passwd'), 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 6 && Number(f[2]) === uid && f[2] !== '') {
        home = f[5] || '/';
        break;
      }
    }
  } catch {}
  return { ...proc, env: [...env, `HOME=${home}`] };
}
