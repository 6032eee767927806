// Reading and writing cgroup control files; every failure names the file. The calls are
// synchronous under an async signature: a control file answers at once (it is the
// kernel, not a disk), and one syscall beats three thread-pool round trips of
// fs/promises, dozens of times per container start.
import { readFileSync, writeFileSync } from 'node:fs';
import { errnoOf, fromErrno } from '../../util/errors.ts';

export async function writeControl(file: string, value: string): Promise<void> {
  try {
    writeFileSync(file, value);
  } catch (err) {
    throw fromErrno(err, `writing "${value}" to ${file}`);
  }
}

export async function readControl(file: string): Promise<string> {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw fromErrno(err, `reading ${file}`);
  }
}

/** The file's content, or undefined when it does not exist (a controller or kernel without it). */
export async function readControlIfExists(file: string): Promise<string | undefined> {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw fromErrno(err, `reading ${file}`);
  }
}

/** `key value` lines (memory.stat, memory.events, cpu.stat, pids.events) as numbers. */
export function parseKeyed(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out.set(k, v === 'max' ? Number.POSITIVE_INFINITY : Number(v));
  }
  return out;
}

export function parseCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return text === 'max' ? Number.POSITIVE_INFINITY : Number(text);
}
