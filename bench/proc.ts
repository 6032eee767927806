// What the CLI benchmarks read from /proc: processes (to find and measure
// shims and proxies, and to stop leftovers by PID) and mounts (to clean up).
import { readdirSync, readFileSync } from 'node:fs';

export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** A number field of /proc/PID/status or smaps_rollup (kB for sizes); undefined when gone. */
export function procField(pid: number, file: 'status' | 'smaps_rollup', field: string): number | undefined {
  try {
    const m = readFileSync(`/proc/${pid}/${file}`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+)`, 'm'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export const ppidOf = (pid: number) => procField(pid, 'status', 'PPid');

export const childrenOf = (ppid: number) => allPids().filter((p) => ppidOf(p) === ppid);

export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Mount points at or under `dir`, from /proc/self/mountinfo (octal escapes decoded). */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) =>
      l.split(' ')[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))),
    )
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
}
