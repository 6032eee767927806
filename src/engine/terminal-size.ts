// Setting a terminal's window size from outside the process that holds it: Node
// has no ioctl, so stty(1) does TIOCSWINSZ on the device path (a pty slave, e.g.
// a container init's /proc/<pid>/fd/0). The foreground process gets SIGWINCH.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function setTerminalSize(device: string, rows: number, cols: number): Promise<void> {
  // a terminal that is gone by now is not an error of the caller's
  await run('stty', ['-F', device, 'rows', String(rows), 'cols', String(cols)]).catch(() => {});
}
