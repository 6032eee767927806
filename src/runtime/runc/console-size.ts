// A terminal's size, set from outside the container: berth-native (or whoever got the
// pty's master from a console socket) holds the master, so the size is set through the
// slave that the container's process has open, with the host's stty on
// /proc/<pid>/fd/<n>. The kernel then sends the terminal's foreground group SIGWINCH.
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { BerthError } from '../../util/errors.ts';

/** The lowest fd of `pid` that is a pty slave, if it has one. */
export function ptySlaveFd(pid: number): number | undefined {
  let fds: number[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      if (/^\/dev\/pts\/\d+$/.test(readlinkSync(`/proc/${pid}/fd/${fd}`))) return fd;
    } catch {}
  }
  return undefined;
}

/** Set the size of the terminal that process `pid` has open (TIOCSWINSZ, through stty). */
export function setConsoleSize(pid: number, size: { height: number; width: number }): Promise<void> {
  const fd = ptySlaveFd(pid);
  if (fd === undefined)
    return Promise.reject(new BerthError('FailedPrecondition', `process ${pid} has no terminal open`));
  const args = ['-F', `/proc/${pid}/fd/${fd}`, 'rows', String(size.height), 'cols', String(size.width)];
  return new Promise((resolve, reject) => {
    const child = spawn('stty', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', (e) => reject(new BerthError('Internal', `setting the terminal size: ${e.message}`)));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new BerthError(
              'Internal',
              `setting the terminal size: ${err.trim() || `stty exited with ${code}`}`,
            ),
          ),
    );
  });
}
