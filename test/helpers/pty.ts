// Running a command on a real pseudo-terminal, as a user at a terminal would:
// Python's pty module (Node has none) forks the command on a new pty, types the
// input once the command had time to start, and reports what the terminal showed
// and the exit status as JSON.
import { spawnSync } from 'node:child_process';

const DRIVER = `
import json, os, pty, select, sys, time
argv, text, settle = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = b''
def pump(seconds):
    global out
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            return
        if not data:
            return
        out += data
pump(settle)
os.write(fd, text.encode())
pump(30)
_, status = os.waitpid(pid, 0)
print(json.dumps({"output": out.decode("utf-8", "replace"), "status": os.waitstatus_to_exitcode(status)}))
`;

export interface PtyResult {
  output: string;
  status: number;
}

/** Run `argv` on a pty; type `input` after `settleSeconds`; wait for it to exit (at most ~30 s). */
export function runInPty(
  argv: string[],
  input: string,
  env: NodeJS.ProcessEnv,
  settleSeconds = 1.5,
): PtyResult {
  const r = spawnSync('python3', ['-c', DRIVER, JSON.stringify([argv, input, settleSeconds])], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`pty driver failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as PtyResult;
}

export const ptyMissing = (): string | undefined =>
  spawnSync('python3', ['-c', 'import pty']).status === 0
    ? undefined
    : 'python3 with the pty module is not installed';
