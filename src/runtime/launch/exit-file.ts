// The shim's exit record (native/PLAN.md, "The shim's files").
import { readFile } from 'node:fs/promises';
import { BerthError, fromErrno } from '../../util/errors.ts';
import type { ExitStatus } from './handshake.ts';

export interface ExitRecord extends ExitStatus {
  /** RFC3339Nano, UTC. */
  exitedAt: string;
}

/** The exit record at `path`, or undefined while the container has not exited. */
export async function readExitFile(path: string): Promise<ExitRecord | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fromErrno(err, `reading exit file ${path}`);
  }
  const v = JSON.parse(text) as Partial<ExitRecord>;
  if (typeof v.exitCode !== 'number' || typeof v.signal !== 'number' || typeof v.exitedAt !== 'string')
    throw new BerthError('Internal', `exit file ${path} is malformed: ${text.slice(0, 200)}`);
  return { exitCode: v.exitCode, signal: v.signal, exitedAt: v.exitedAt };
}
