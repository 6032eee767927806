// A private dockerd: its own data root, exec root, pid file and socket under a temp
// dir. `spawnDockerd` starts one (the benchmarks pass their network and storage flags);
// `startDockerd` is the registry tests' own: no bridge and no iptables (it only pulls
// and pushes), the vfs storage driver (no mounts to leave behind), waited for. Docker trusts registries on
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

export interface DockerdOptions {
  network?: readonly string[];
  storageDriver?: string;
  extraArgs?: readonly string[];
}

/** A dockerd child with its own directories under `dir`, before it answers. */
export interface SpawnedDockerd {
  readonly child: ChildProcess;
  readonly socket: string;
  /** What dockerd printed so far (its first 200 kB). */
  log(): string;
  /** Run the docker CLI against it, with a DOCKER_CONFIG of its own. */
  docker(args: readonly string[], timeoutMs?: number): Promise<RunResult>;
}

/**
 * Spawn dockerd with its data root, exec root, pid file, socket and CLI config under
 * `dir`; `network` and `storage` are its network and storage-driver flags (default:
 * no bridge, no iptables, vfs), `extraArgs` any other flags.
 */
export async function spawnDockerd(dir: string, opts: DockerdOptions = {}): Promise<SpawnedDockerd> {
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
      ...(opts.network ?? ['--bridge=none', '--iptables=false', '--ip6tables=false']),
      `--storage-driver=${opts.storageDriver ?? 'vfs'}`,
      '--log-level=warn',
      ...(opts.extraArgs ?? []),
    ],
    { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (d: Buffer) => {
    if (output.length < 200_000) output += d;
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const docker = (args: readonly string[], timeoutMs = 180_000) =>
    run(findDocker()!, args, {
      env: cleanEnv({ DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'cli') }),
      timeoutMs,
    });
  return { child, socket, log: () => output, docker };
}

/** Start dockerd under `dir` and wait until it answers; throws with its log when it cannot. */
export async function startDockerd(dir: string, opts: DockerdOptions = {}): Promise<PrivateDockerd> {
  const { child, socket, log, docker } = await spawnDockerd(dir, opts);
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      gone = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (!gone) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(
      async () => {
        if (gone) throw new Error(`dockerd exited:\n${log()}`);
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
  return { pid: child.pid!, docker: (args) => docker(args), stop };
}
