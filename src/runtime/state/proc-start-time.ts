// Whether a pid is still the process we started: the pid may have been reused, but the
// start time in /proc/<pid>/stat (clock ticks since boot) never repeats for one pid.
import { readFile } from 'node:fs/promises';
import { errnoOf } from '../../util/errors.ts';

/** The process's start time (field 22 of /proc/<pid>/stat), or undefined if there is no such process. */
export async function processStartTime(pid: number): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ESRCH') return undefined;
    throw err;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces or ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field 22 is rest[19].
  const start = Number(rest[19]);
  return Number.isFinite(start) ? start : undefined;
}

/** The process's state letter (field 3): R, S, D, Z, T, ... */
export async function processStateLetter(pid: number): Promise<string | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** kill(pid, 0): the pid exists (a process we may not signal still exists). */
export function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
}

/** The pid is alive, is the same process (same start time), and is not a zombie. */
export async function isSameProcessAlive(pid: number, startTime: number | undefined): Promise<boolean> {
  if (!pidExists(pid)) return false;
  const now = await processStartTime(pid);
  if (now === undefined) return false;
  if (startTime !== undefined && now !== startTime) return false;
  return (await processStateLetter(pid)) !== 'Z';
}
