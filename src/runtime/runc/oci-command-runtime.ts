// An OCI runtime command (runc, or any runtime with runc's command line) behind berth's
// Runtime interface, for `--runtime runc` and `--add-runtime NAME=PATH`. Its containers live
// in a state root of their own (`--root`), apart from any other engine's.
//
// berth-native's shim holds their stdio, json-file log and exit status exactly as for berth's
// own containers: the shim's child is `<runtime> run --keep` in the foreground, launched with a
// host plan (no namespace, no mount), which creates and starts the container, relays its stdio
// and exits with its status. The container exists for the runtime only once start() lets that
// command run; until then create() holds a berth-native process waiting to exec it. `--keep`
// leaves the stopped container (and its cgroup, where the OOM count is read) until delete().
// The other verbs spawn the command; exec runs `<runtime> exec` under berth-native's monitor,
// which gives it a pty when the process has a terminal (a foreground runtime relays its own
// terminal to the container's; runc refuses a console socket there).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, invalidArgument } from '../../util/errors.ts';
import { resolveCgroupsPath } from '../cgroups/cgroups-path.ts';
import { detectCgroups } from '../cgroups/detect.ts';
import { CgroupManager } from '../cgroups/manager.ts';
import type { ExitStatus } from '../launch/handshake.ts';
import { LaunchError } from '../launch/launch-error.ts';
import { type LaunchedContainer, type LaunchOptions, launch } from '../launch/launcher.ts';
import type { Process, Resources, Spec } from '../spec/types.ts';
import { parseSpec } from '../spec/validate-config.ts';
import { validateContainerId } from '../state/container-id.ts';
import type { ContainerState } from '../state/state-store.ts';
import { setConsoleSize } from './console-size.ts';
import { hostCommandPlan } from './host-plan.ts';
import {
  codeOfRuntimeMessage,
  parseListOutput,
  parsePsOutput,
  parseStateOutput,
  runtimeErrorMessage,
  startErrorOf,
} from './oci-command-output.ts';
import { withoutZeroLimits } from './runc-defaults.ts';
import type {
  CreateOptions,
  ExecOptions,
  RunningProcess,
  Runtime,
  RuntimeState,
  StdioSpec,
} from './runtime.ts';

export interface OciCommandRuntimeOptions {
  /** The runtime's name (`runc`), in messages. */
  name: string;
  /** The command, an absolute path. */
  path: string;
  /** Its state root (`--root`): the containers of this runtime and no others. */
  root: string;
  /** berth's own files for each container: the spec it runs, pid files, the command's log. */
  files: string;
  /** The berth-native binary; default nativeBinaryPath(). */
  nativeBinary?: string;
  /** The command's environment; default PATH only. */
  env?: string[];
  /** How long start() and exec() wait for the command to report the process running (default 60 s). */
  startTimeoutMs?: number;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const POLL_MS = 5;

function stdioOf(spec: StdioSpec | undefined): LaunchOptions['stdio'] {
  if (!spec || spec === 'inherit') return [0, 1, 2];
  return spec;
}

/**
 * A created container: the berth-native process (shim or monitor) that will exec the runtime's
 * `run`. Its pid is that process's until the container runs, then the container's init.
 */
class HeldRun implements LaunchedContainer {
  containerPid = 0;
  constructor(
    readonly launched: LaunchedContainer,
    private readonly starter: () => Promise<void>,
  ) {}
  get pid(): number {
    return this.containerPid || this.launched.pid;
  }
  get monitorPid(): number {
    return this.launched.monitorPid;
  }
  get stdin(): Writable | null {
    return this.launched.stdin;
  }
  get stdout() {
    return this.launched.stdout;
  }
  get stderr() {
    return this.launched.stderr;
  }
  start(): Promise<void> {
    return this.starter();
  }
  wait(): Promise<ExitStatus> {
    return this.launched.wait();
  }
  release(): void {
    this.launched.release();
  }
}

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class OciCommandRuntime implements Runtime {
  readonly name: string;
  readonly path: string;
  readonly root: string;
  private readonly held = new Map<string, HeldRun>();
  private readonly env: string[];

  constructor(private readonly opts: OciCommandRuntimeOptions) {
    this.name = opts.name;
    this.path = opts.path;
    this.root = opts.root;
    this.env = opts.env ?? [`PATH=${process.env.PATH || DEFAULT_PATH}`];
  }

  /** The command line up to the verb: the state root, and errors as JSON lines. */
  private base(log?: string): string[] {
    return [this.path, '--root', this.root, ...(log ? ['--log', log] : []), '--log-format', 'json'];
  }

  private filesOf(id: string): string {
    return join(this.opts.files, validateContainerId(id));
  }

  private command(args: string[], input?: string): Promise<CommandResult> {
    const [file, ...rest] = [...this.base(), ...args];
    return new Promise((resolvePromise, reject) => {
      const child: ChildProcess = spawn(file!, rest, {
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        env: envObject(this.env),
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => {
        stdout += d;
      });
      child.stderr!.on('data', (d) => {
        stderr += d;
      });
      if (input !== undefined) {
        child.stdin!.on('error', () => {});
        child.stdin!.end(input);
      }
      child.on('error', (e) =>
        reject(new BerthError('Unavailable', `running the OCI runtime ${this.name} (${file}): ${e.message}`)),
      );
      child.on('close', (code) => resolvePromise({ code: code ?? 128, stdout, stderr }));
    });
  }

  /** Run a verb; its failure as a BerthError in the runtime's own words. */
  private async verb(args: string[], input?: string): Promise<string> {
    const r = await this.command(args, input);
    if (r.code === 0) return r.stdout;
    const msg = runtimeErrorMessage(r.stderr) ?? `${args[0]} exited with status ${r.code}`;
    throw new BerthError(codeOfRuntimeMessage(msg), `${this.name} ${args[0]}: ${msg}`);
  }

  async create(id: string, bundleDir: string, opts: CreateOptions = {}): Promise<{ pid: number }> {
    const files = this.filesOf(id);
    if (!opts.shim && !opts.keepMonitor)
      throw invalidArgument(
        `containers of the OCI runtime ${this.name} run under berth's shim or monitor: ask for one`,
      );
    if (this.held.has(id)) throw new BerthError('Conflict', `container with given ID already exists: ${id}`);
    const bundle = resolve(bundleDir);
    const spec = parseSpec(readFileSync(join(bundle, 'config.json'), 'utf8'), 'config.json');
    const terminal = !!spec.process?.terminal;
    if (opts.consoleSocket)
      throw invalidArgument(
        `cannot use a console socket with the OCI runtime ${this.name}: it runs in the foreground under berth's shim`,
      );
    rmSync(files, { recursive: true, force: true });
    mkdirSync(files, { recursive: true, mode: 0o700 });
    copyFileSync(join(bundle, 'config.json'), join(files, 'config.json'));
    const pidFile = join(files, 'init.pid');
    const log = join(files, 'runtime.log');
    const args = [...this.base(log), 'run', '--keep', '--bundle', bundle, '--pid-file', pidFile];
    if (opts.noPivot) args.push('--no-pivot');
    args.push(id);
    let launched: LaunchedContainer;
    try {
      launched = await launch(hostCommandPlan(args, this.env, { terminal }), {
        stdio: stdioOf(opts.stdio),
        binary: this.opts.nativeBinary,
        shim: opts.shim,
        keeper: 'monitor',
      });
    } catch (err) {
      rmSync(files, { recursive: true, force: true });
      throw err;
    }
    const handle: HeldRun = new HeldRun(launched, () => this.start(id));
    this.held.set(id, handle);
    if (opts.pidFile) writeFileSync(opts.pidFile, String(launched.pid));
    return { pid: launched.pid };
  }

  /**
   * Let the runtime's `run` go, then wait for the pid file it writes once the container's process
   * runs; a `run` that ends without writing it failed, and its log says why.
   */
  async start(id: string): Promise<void> {
    const handle = this.held.get(id);
    if (!handle) {
      const state = await this.state(id);
      throw new BerthError(
        'FailedPrecondition',
        state.status === 'created'
          ? `container ${id} of the OCI runtime ${this.name} was created by another process: start it with ${this.name}`
          : `cannot start an already ${state.status} container`,
      );
    }
    this.held.delete(id);
    const files = this.filesOf(id);
    try {
      await handle.launched.start();
    } catch (err) {
      handle.release();
      throw runtimeNotRunnable(this.name, this.path, err);
    }
    const pid = await this.awaitPidFile(join(files, 'init.pid'), handle.launched, join(files, 'runtime.log'));
    handle.containerPid = pid;
  }

  private async awaitPidFile(pidFile: string, runner: LaunchedContainer, log: string): Promise<number> {
    let ended: ExitStatus | undefined;
    runner.wait().then(
      (s) => {
        ended = s;
      },
      () => {
        ended = { exitCode: 125, signal: 0 };
      },
    );
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 60_000);
    for (;;) {
      const pid = await readPid(pidFile);
      if (pid) return pid;
      if (ended) {
        // the pid file is written before the command can end: read it once more, then the log
        const late = await readPid(pidFile);
        if (late) return late;
        const text = await readFile(log, 'utf8').catch(() => '');
        const msg = runtimeErrorMessage(text) ?? `${this.name} exited with status ${ended.exitCode}`;
        throw startErrorOf(this.name, msg);
      }
      if (Date.now() > deadline) {
        killQuietly(runner.pid);
        throw new BerthError('Unavailable', `the OCI runtime ${this.name} did not start the process in time`);
      }
      await sleep(POLL_MS);
    }
  }

  /** The held (created, not started) container's handle, when this process holds it. */
  waitHeld(id: string): LaunchedContainer | undefined {
    return this.held.get(id);
  }

  holds(id: string): boolean {
    return this.held.has(id);
  }

  releaseAll(): void {
    for (const h of this.held.values()) h.release();
    this.held.clear();
  }

  /** The spec the container was created with (berth's copy). */
  savedSpec(id: string): Spec {
    return parseSpec(readFileSync(join(this.filesOf(id), 'config.json'), 'utf8'), 'config.json');
  }

  async state(id: string): Promise<RuntimeState> {
    validateContainerId(id);
    try {
      return parseStateOutput(await this.verb(['state', id]));
    } catch (err) {
      const held = this.held.get(id);
      if (!held || !(err instanceof BerthError) || err.code !== 'NotFound') throw err;
      // created: the runtime has not been asked to run it yet
      const spec = this.savedSpec(id);
      return {
        ociVersion: spec.ociVersion,
        id,
        status: 'created',
        pid: held.launched.pid,
        bundle: '',
        rootfs: spec.root?.path ?? '',
        created: '',
        owner: 'root',
      };
    }
  }

  /** The state berth's stats read: the runtime's, with the cgroup path of the saved spec. */
  async containerState(id: string): Promise<ContainerState> {
    const s = await this.state(id);
    return {
      ociVersion: s.ociVersion,
      id,
      status: s.status,
      pid: s.pid ?? 0,
      bundle: s.bundle,
      rootfs: s.rootfs,
      created: s.created,
      cgroupPath: this.cgroupPathOf(id),
    };
  }

  private cgroupPathOf(id: string): string {
    return resolveCgroupsPath(this.savedSpec(id).linux?.cgroupsPath, id);
  }

  async list(): Promise<RuntimeState[]> {
    return parseListOutput(await this.verb(['list', '--format', 'json']));
  }

  async pids(id: string): Promise<number[]> {
    return parsePsOutput(await this.verb(['ps', '--format', 'json', validateContainerId(id)]));
  }

  /** Whether the kernel's OOM killer killed a process of the container (its cgroup stays until delete). */
  async oomKilled(id: string): Promise<boolean> {
    const cg = new CgroupManager(await detectCgroups(), this.cgroupPathOf(id), {
      unenforcedDeviceRules: 'warn',
    });
    return (await cg.oomKills().catch(() => 0)) > 0;
  }

  async kill(id: string, signal: number, opts: { all?: boolean } = {}): Promise<void> {
    validateContainerId(id);
    await this.verb(['kill', ...(opts.all ? ['--all'] : []), id, String(signal)]);
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const files = this.filesOf(id);
    const held = this.held.get(id);
    // berth's files exist from create until the runtime deleted the container: without them
    // there is nothing to delete, and no command to spawn
    if (!held && !existsSync(files)) {
      if (opts.force) return;
      throw new BerthError('NotFound', `container ${id} does not exist in the OCI runtime ${this.name}`);
    }
    if (held) {
      // created, never started: the runtime knows nothing of it yet
      held.release();
      killQuietly(held.launched.pid);
      this.held.delete(id);
    }
    try {
      await this.verb(['delete', ...(opts.force ? ['--force'] : []), id]);
    } catch (err) {
      if (!(err instanceof BerthError && err.code === 'NotFound' && (opts.force || held))) throw err;
    }
    rmSync(files, { recursive: true, force: true });
  }

  async pause(id: string): Promise<void> {
    await this.verb(['pause', validateContainerId(id)]);
  }

  async resume(id: string): Promise<void> {
    await this.verb(['resume', validateContainerId(id)]);
  }

  async update(id: string, resources: Resources): Promise<void> {
    await this.verb(
      ['update', '--resources', '-', validateContainerId(id)],
      JSON.stringify(withoutZeroLimits(resources)),
    );
  }

  /**
   * `<runtime> exec` under berth-native's monitor. The process's pid is the command's: its
   * terminal (a pty when the process has one) is the one to size, and the command passes the
   * size on to the container's terminal.
   */
  async exec(id: string, proc: Process, opts: ExecOptions = {}): Promise<RunningProcess> {
    const files = this.filesOf(id);
    if (opts.detach)
      throw new BerthError(
        'NotImplemented',
        `a detached exec is not supported with the OCI runtime ${this.name}`,
      );
    if (opts.consoleSocket)
      throw invalidArgument(`cannot use a console socket with the OCI runtime ${this.name}'s exec`);
    const state = await this.state(id);
    if (state.status === 'stopped')
      throw new BerthError('FailedPrecondition', 'cannot exec in a stopped container');
    if (state.status === 'paused')
      throw new BerthError('FailedPrecondition', 'cannot exec in a paused container');
    // The runtime applies the container's own seccomp filter to every exec: opts.withoutSeccomp
    // has no command-line equivalent, so it is not honoured here.
    const tag = `exec-${randomBytes(6).toString('hex')}`;
    const processFile = join(files, `${tag}.json`);
    const pidFile = join(files, `${tag}.pid`);
    const log = join(files, `${tag}.log`);
    writeFileSync(processFile, JSON.stringify(proc), { mode: 0o600 });
    const cleanup = () => {
      for (const f of [processFile, pidFile, log]) rmSync(f, { force: true });
    };
    const args = [...this.base(log), 'exec', '--process', processFile, '--pid-file', pidFile, id];
    let handle: LaunchedContainer;
    try {
      handle = await launch(hostCommandPlan(args, this.env, { terminal: !!proc.terminal }), {
        stdio: stdioOf(opts.stdio),
        binary: this.opts.nativeBinary,
        keeper: 'monitor',
      });
    } catch (err) {
      cleanup();
      throw err;
    }
    // Node discards a child's unread output when the child exits, and a short process may be done
    // before this returns: read it from now on into streams that keep it for the caller.
    const stdout = kept(handle.stdout);
    const stderr = kept(handle.stderr);
    try {
      // the command copies its terminal's size to the container's when it starts
      if (proc.terminal && proc.consoleSize)
        await setConsoleSize(handle.pid, proc.consoleSize).catch(() => {});
      await handle.start().catch((err: unknown) => {
        throw runtimeNotRunnable(this.name, this.path, err);
      });
      await this.awaitPidFile(pidFile, handle, log);
    } catch (err) {
      handle.release();
      cleanup();
      throw err;
    }
    cleanup();
    if (opts.pidFile) writeFileSync(opts.pidFile, String(handle.pid));
    return {
      pid: handle.pid,
      stdin: handle.stdin,
      stdout,
      stderr,
      wait: () => handle.wait(),
    };
  }

  /**
   * Size the terminal of a container's init (pid `initPid`): the terminal the foreground runtime
   * holds, which passes the size on (SIGWINCH) to the container's own.
   */
  async setConsoleSize(initPid: number, size: { height: number; width: number }): Promise<void> {
    const runner = await parentPid(initPid);
    if (!runner) throw new BerthError('FailedPrecondition', `process ${initPid} is gone`);
    await setConsoleSize(runner, size);
  }
}

function kept(stream: Readable | null): Readable | null {
  if (!stream) return null;
  const out = new PassThrough();
  stream.on('error', (e) => out.destroy(e));
  return stream.pipe(out);
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The parent of `pid` (field 4 of /proc/<pid>/stat). */
async function parentPid(pid: number): Promise<number | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
    return ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** berth-native could not exec the runtime command itself: that is no missing program of the container's. */
function runtimeNotRunnable(name: string, path: string, err: unknown): unknown {
  if (!(err instanceof LaunchError) || err.step !== 'exec') return err;
  return new BerthError('Unavailable', `cannot run the OCI runtime ${name} (${path}): ${err.message}`);
}

function envObject(env: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    const i = e.indexOf('=');
    if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
}
