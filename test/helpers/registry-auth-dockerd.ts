// A private dockerd for registry tests: its own data root, exec root, pid file and
// socket under a temp dir, no bridge and no iptables (it only pulls and pushes),
// the vfs storage driver (no mounts to leave behind). Docker trusts registries on
// 127.0.0.0/8 over plain HTTP by default, so no certs.d (a machine-wide directory)
// is needed. The CLI gets its own DOCKER_CONFIG so logins never touch the user's.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanEnv, findDocker, type RunResult, run, waitFor } from './berth.ts';

export const DOCKERD = '/usr/sbin/dockerd';

/** Why no private dockerd can be run here, or undefined when one may. */
export function dockerdMissing(): string | undefined {
  if (!existsSync(DOCKERD)) return `${DOCKERD} is not installed (apt package docker.io)`;
  if (!findDocker()) return 'the docker CLI is not installed';
  if (process.getuid?.() !== 0) return 'dockerd needs root';
  return undefined;
}

export interface PrivateDockerd {
  readonly pid: number;
  /** Run the docker CLI against this daemon. */
  docker(args: string[]): Promise<RunResult>;
  stop(): Promise<void>;
}

/** Start dockerd under `dir` and wait until it answers; throws with its log when it cannot. */
export async function startDockerd(dir: string): Promise<PrivateDockerd> {
  for (const d of ['data', 'exec', 'cli']) await mkdir(join(dir, d), { recursive: true });
  const socket = join(dir, 'docker.sock');
  const child: ChildProcess = spawn(
    DOCKERD,
    [
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'docker.pid'),
      '-H',
      `unix://${socket}`,
      '--bridge=none',
      '--iptables=false',
      '--ip6tables=false',
      '--storage-driver=vfs',
      '--log-level=warn',
    ],
    { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      gone = true;
      resolve();
    }),
  );
  const docker = (args: string[]) =>
    run(findDocker()!, args, {
      env: cleanEnv({ DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'cli') }),
      timeoutMs: 180_000,
    });
  const stop = async () => {
    if (!gone) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(
      async () => {
        if (gone) throw new Error(`dockerd exited:\n${output}`);
        return (
          existsSync(socket) && (await docker(['version', '--format', '{{.Server.Version}}'])).code === 0
        );
      },
      'dockerd to answer',
      60_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: child.pid!, docker, stop };
}
