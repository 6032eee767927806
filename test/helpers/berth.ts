// Whole-system test helpers: build the bundle once, run `bin/berth`, start and
// stop daemons on temporary roots, and talk HTTP to their sockets. Every daemon a
// test starts is stopped by its PID; every temp dir is removed by its test.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BERTH_BIN = join(REPO, 'bin', 'berth');
const BUNDLE = join(REPO, 'dist', 'berth.mjs');
const BUILD_LOCK = join(REPO, 'dist', '.build-lock');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

const isStale = (): boolean =>
  !existsSync(BUNDLE) ||
  statSync(BUNDLE).mtimeMs <
    Math.max(
      newestMtime(join(REPO, 'src')),
      newestMtime(join(REPO, 'package.json')),
      newestMtime(join(REPO, 'scripts')),
    );

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

let built = false;

/**
 * Build dist/berth.mjs with `npm run build` once per process, when the sources are
 * newer than the bundle; BERTH_SKIP_BUILD=1 skips it. Test files run in parallel
 * processes, so the check and the build happen under a lock directory: no process
 * runs the bundle while another rewrites it.
 */
export function ensureBuilt(): void {
  if (built || process.env.BERTH_SKIP_BUILD === '1') return;
  mkdirSync(dirname(BUILD_LOCK), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a test process that was killed mid-build.
      if (Date.now() - statSync(BUILD_LOCK, { throwIfNoEntry: false })!.mtimeMs > 120_000) {
        rmSync(BUILD_LOCK, { recursive: true, force: true });
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${BUILD_LOCK}`);
      sleepSync(100);
    }
  }
  try {
    if (isStale()) {
      const r = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
    }
    built = true;
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/** The environment for berth and docker in tests: the caller's, without any berth or docker target. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(BERTH_|DOCKER_)/.test(k) && !k.startsWith('NODE_TEST')) env[k] = v;
  }
  return { ...env, ...extra };
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a program to its end, collecting its output. */
export function run(
  file: string,
  args: readonly string[],
  opts: { env?: Record<string, string>; timeoutMs?: number; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      env: opts.env ?? cleanEnv(),
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Run the built `bin/berth` with `args` and the given extra environment. */
export function runBerth(
  args: readonly string[],
  env: Record<string, string> = {},
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  ensureBuilt();
  return run(process.execPath, [BERTH_BIN, ...args], { env: cleanEnv(env), ...opts });
}

/**
 * `berth` against one daemon (its socket read when called, so it may be set in a
 * `before`): `berth(args)` gives the result, `ok(...args)` the output of a command
 * that must succeed (else the test fails with what it printed).
 */
export function berthOn(socket: () => string, timeoutMs = 120_000) {
  const berth = (args: readonly string[]) =>
    runBerth(['-H', `unix://${socket()}`, ...args], {}, { timeoutMs });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await berth(args);
    if (r.code !== 0)
      throw new Error(`berth ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  return { berth, ok };
}

export interface TempDirs {
  readonly dir: string;
  readonly root: string;
  readonly state: string;
  readonly socket: string;
  cleanup(): Promise<void>;
}

export async function tempDirs(prefix = 'berth-test-'): Promise<TempDirs> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const state = join(dir, 'state');
  return {
    dir,
    root: join(dir, 'root'),
    state,
    socket: join(state, 'berth.sock'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Whether `pid` runs. A zombie does not: an auto-started daemon's parent (the berth
 * command) is gone, so it is reaped by init, which may take its time.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Poll until `cond` holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Stop a process that is not our child (an auto-started daemon) by its PID and wait until it is gone. */
export async function stopPid(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!pidAlive(pid)) return;
  process.kill(pid, signal);
  await waitFor(() => !pidAlive(pid), `pid ${pid} to exit`, 20_000).catch(() => {
    if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  });
}

/** The pid an auto-started daemon wrote, if any. */
export function daemonPidOf(root: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(root, 'berthd.pid'), 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A `berth daemon` started as a child of the test. */
export class TestDaemon {
  readonly child: ChildProcess;
  readonly socket: string;
  #stderr = '';
  readonly #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(child: ChildProcess, socket: string) {
    this.child = child;
    this.socket = socket;
    child.stderr!.on('data', (d) => {
      this.#stderr += d;
    });
    child.stdout!.resume();
    this.#exit = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get stderr(): string {
    return this.#stderr;
  }

  get exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.#exit;
  }

  /** Spawn `berth daemon ARGS` and wait until it listens (or exits, which rejects with its output). */
  static async start(opts: {
    root: string;
    state: string;
    host?: string;
    args?: string[];
  }): Promise<TestDaemon> {
    ensureBuilt();
    const socket = opts.host ? opts.host.replace(/^unix:\/\//, '') : join(opts.state, 'berth.sock');
    const args = [
      BERTH_BIN,
      'daemon',
      '--root',
      opts.root,
      '--state',
      opts.state,
      ...(opts.host ? ['-H', opts.host] : []),
    ];
    // No default bridge unless the test asks for one: parallel test daemons would share berth0.
    const extra = opts.args ?? [];
    const bridge = extra.some((a) => a === '--bridge' || a === '-b' || a.startsWith('--bridge='))
      ? []
      : ['--bridge', 'none'];
    const child = spawn(process.execPath, [...args, ...bridge, ...extra], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const daemon = new TestDaemon(child, socket);
    let exited = false;
    daemon.exited.then(() => {
      exited = true;
    });
    await waitFor(() => exited || daemon.stderr.includes('API listening'), 'the daemon to listen', 20_000);
    if (exited) throw new Error(`berth daemon exited before listening:\n${daemon.stderr}`);
    return daemon;
  }

  /** Remove every container (their shims and mounts would outlive the test), then stop. */
  async removeContainersAndStop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const berth = (args: string[]) =>
      runBerth(['-H', `unix://${this.socket}`, ...args], {}, { timeoutMs: 120_000 });
    const ids = (await berth(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
    if (ids.length) await berth(['rm', '-f', ...ids]);
    return this.stop();
  }

  /** Signal the daemon and wait for its exit. */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.#exit;
  }
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP request over a unix socket. */
export function httpRequest(
  socketPath: string,
  method: string,
  path: string,
  body?: string,
): Promise<HttpResult> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ socketPath, method, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The Docker CLI, if installed: /usr/local/bin/docker or `docker` on PATH. */
export function findDocker(): string | undefined {
  const candidates = [
    '/usr/local/bin/docker',
    ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'docker')),
  ];
  return candidates.find((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}
