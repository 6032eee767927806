// `exec`: a new process in a running container, as Docker runs one. An exec is first
// made (its settings checked and kept under an ID), then started once: the runtime
// joins it to the container's namespaces and cgroup, with the container's environment
// (the exec's -e laid over it), user, working directory and confinement (capabilities,
// seccomp, no_new_privs), each unless the exec names its own or is privileged. Its
// streams go to the one client that started it; its exit code stays for
// `GET /exec/{id}/json` for a while after it ended, or until the container is removed.
// Health checks run their probes through `run`, which keeps no record.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { exitCodeOfLaunchError, LaunchError } from '../runtime/launch/launch-error.ts';
import { setConsoleSize } from '../runtime/runc/console-size.ts';
import type { RunningProcess, StdioSpec } from '../runtime/runc/runtime.ts';
import { DEFAULT_PATH } from '../runtime/spec/defaults.ts';
import type { Process } from '../runtime/spec/types.ts';
import { BerthError, conflict, invalidArgument, notFound } from '../util/errors.ts';
import type { StreamName } from './container-io.ts';
import type { ContainerRecord } from './container-record.ts';
import type { ContainerService } from './container-service.ts';
import { capabilitySets, grantableCapabilities, kernelLastCap } from './spec/capabilities.ts';
import { processEnv } from './spec/merge-config.ts';
import { resolveUserInRootfs } from './spec/user.ts';

/** Docker's `POST /containers/{id}/exec` body. */
export interface ExecConfig {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  Tty?: boolean;
  /** [height, width] of the client's terminal. */
  ConsoleSize?: [number, number] | null;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
}

/** Where a started exec's streams go: the client's input, and its output until both streams closed. */
export interface ExecAttachment {
  stdin?: Readable;
  write(stream: StreamName, chunk: Buffer): void;
  /** The output ended and the exit code is recorded: the client may ask for it now. */
  end(): void;
}

/** Docker's exec inspect document; ExitCode is null until the process ended. */
export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ProcessConfig: {
    tty: boolean;
    entrypoint: string;
    arguments: string[];
    privileged: boolean;
    user?: string;
  };
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  CanRemove: boolean;
  ContainerID: string;
  DetachKeys: string;
  Pid: number;
}

export interface ExecResult {
  exitCode: number;
  /** stdout and stderr together, at most `maxOutput` bytes, `...` after a cut. */
  output: string;
  timedOut: boolean;
}

interface ExecInstance {
  readonly id: string;
  readonly containerId: string;
  readonly config: ExecConfig;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
  /** Settles once the process runs or failed to start (resize waits for it). */
  readonly ready: Promise<void>;
  markReady(): void;
}

/** How long an ended exec stays inspectable (Docker's exec GC runs every five minutes). */
const KEEP_ENDED_MS = 5 * 60_000;
const RESIZE_WAIT_MS = 10_000;

const services = new WeakMap<ContainerService, ExecService>();

/** The exec service of a container engine (one per ContainerService, made on first use). */
export function execServiceOf(containers: ContainerService): ExecService {
  let s = services.get(containers);
  if (!s) {
    s = new ExecService(containers);
    services.set(containers, s);
  }
  return s;
}

export class ExecService {
  private readonly execs = new Map<string, ExecInstance>();

  constructor(private readonly containers: ContainerService) {
    containers.events.on('remove', (r: ContainerRecord) => {
      for (const [id, e] of this.execs) if (e.containerId === r.id) this.execs.delete(id);
    });
  }

  /** Check the container runs and the settings make sense; keep them under a new ID. */
  create(ref: string, config: ExecConfig): string {
    const record = runningContainer(this.containers, ref);
    if (!config.Cmd?.length) throw invalidArgument('No exec command specified');
    if (config.WorkingDir && !config.WorkingDir.startsWith('/'))
      throw invalidArgument(
        `the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`,
      );
    for (const e of config.Env ?? [])
      if (typeof e !== 'string' || e.startsWith('='))
        throw invalidArgument(`invalid environment variable: ${String(e)}`);
    const id = randomBytes(32).toString('hex');
    let markReady = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    this.execs.set(id, {
      id,
      containerId: record.id,
      config: structuredClone(config),
      running: false,
      started: false,
      exitCode: null,
      pid: 0,
      ready,
      markReady,
    });
    return id;
  }

  private get(id: string): ExecInstance {
    const e = this.execs.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    return e;
  }

  /** Whether the exec uses a terminal (its stream is then raw, not multiplexed); throws for an unknown ID. */
  tty(id: string): boolean {
    return !!this.get(id).config.Tty;
  }

  /** Refuse a start that cannot happen, before a client's connection is taken over. */
  checkStartable(id: string): void {
    const e = this.get(id);
    if (e.running) throw conflict(`Error: Exec command ${id} is already running`);
    if (e.started) throw conflict(`Error: Exec command ${id} has already run`);
    runningContainer(this.containers, e.containerId);
  }

  /**
   * Start the exec; resolves once its program runs. Without `attach` it runs detached
   * (its output is dropped); `consoleSize` ([height, width]) sizes its terminal first. A
   * program that cannot be run fails with Docker's message, and the exec's exit code is
   * then 127 (not found) or 126.
   */
  async start(id: string, attach?: ExecAttachment, consoleSize?: [number, number] | null): Promise<void> {
    this.checkStartable(id);
    const e = this.get(id);
    e.started = true;
    const c = consoleSize ? { ...e.config, ConsoleSize: consoleSize } : e.config;
    const tty = !!c.Tty;
    const stdio: StdioSpec = attach
      ? [
          c.AttachStdin ? 'pipe' : 'ignore',
          c.AttachStdout || (tty && c.AttachStderr) ? 'pipe' : 'ignore',
          c.AttachStderr && !tty ? 'pipe' : 'ignore',
        ]
      : ['ignore', 'ignore', 'ignore'];
    let proc: RunningProcess;
    try {
      const record = runningContainer(this.containers, e.containerId);
      proc = await this.spawn(record, c, stdio);
    } catch (err) {
      e.exitCode = err instanceof LaunchError ? exitCodeOfLaunchError(err) : 126;
      e.markReady();
      this.forgetLater(e);
      throw execStartError(err, c.Cmd ?? []);
    }
    e.running = true;
    e.pid = proc.pid;
    e.markReady();
    const exited = proc.wait().then(
      (s) => s.exitCode,
      () => 125,
    );
    const outputs: [StreamName, Readable | null | undefined][] = [
      ['stdout', proc.stdout],
      ['stderr', proc.stderr],
    ];
    const closed = Promise.all(
      outputs.map(
        ([name, s]) =>
          new Promise<void>((resolve) => {
            if (!s) return resolve();
            s.on('data', (chunk: Buffer) => attach?.write(name, chunk));
            s.on('error', () => {});
            s.on('close', () => resolve());
          }),
      ),
    );
    if (attach?.stdin && proc.stdin) {
      const input = proc.stdin;
      input.on('error', () => {});
      attach.stdin.on('data', (chunk: Buffer) => input.write(chunk));
      // the client's end of input, or its going away, is the command's end of input
      attach.stdin.on('end', () => input.end());
      attach.stdin.on('close', () => input.end());
      attach.stdin.on('error', () => input.end());
      attach.stdin.resume();
    }
    void Promise.all([exited, closed]).then(([code]) => {
      e.exitCode = code;
      e.running = false;
      proc.stdin?.destroy();
      attach?.end();
      this.forgetLater(e);
    });
  }

  private forgetLater(e: ExecInstance): void {
    setTimeout(() => this.execs.delete(e.id), KEEP_ENDED_MS).unref();
  }

  /** Docker's `GET /exec/{id}/json`. */
  inspect(id: string): ExecInspect {
    const e = this.get(id);
    const c = e.config;
    const [entrypoint = '', ...args] = c.Cmd ?? [];
    return {
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode,
      ProcessConfig: {
        tty: !!c.Tty,
        entrypoint,
        arguments: args,
        privileged: !!c.Privileged,
        ...(c.User ? { user: c.User } : {}),
      },
      OpenStdin: !!c.AttachStdin,
      OpenStderr: !!c.AttachStderr,
      OpenStdout: !!c.AttachStdout,
      CanRemove: !e.running && e.started,
      ContainerID: e.containerId,
      DetachKeys: c.DetachKeys ?? '',
      Pid: e.pid,
    };
  }

  /**
   * Set the exec's terminal size. berth-native holds the pty's master, so the size is set
   * through the slave, which is the process's stdin: the kernel then sends it SIGWINCH.
   */
  async resize(id: string, height: number, width: number): Promise<void> {
    const e = this.get(id);
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0)
      throw invalidArgument(`invalid terminal size: ${height}x${width}`);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), RESIZE_WAIT_MS).unref());
    if ((await Promise.race([e.ready, timeout])) === 'timeout')
      throw new BerthError('Unavailable', 'timeout waiting for exec session ready');
    if (!e.config.Tty || !e.running) return;
    await setConsoleSize(e.pid, { height, width });
  }

  /** IDs of the execs of a container, for inspect's ExecIDs. */
  idsOf(containerId: string): string[] {
    return [...this.execs.values()].filter((e) => e.containerId === containerId).map((e) => e.id);
  }

  /**
   * Run a command in the container to its end, collecting its output (health checks):
   * killed after `timeoutMs`. Fails when the program could not be started.
   */
  async run(
    containerId: string,
    cmd: string[],
    opts: { timeoutMs: number; maxOutput: number },
  ): Promise<ExecResult> {
    const record = runningContainer(this.containers, containerId);
    const proc = await this.spawn(
      record,
      { Cmd: cmd, User: record.config.User, WorkingDir: record.config.WorkingDir },
      ['ignore', 'pipe', 'pipe'],
    );
    const output = new LimitedBuffer(opts.maxOutput);
    const closed = [proc.stdout, proc.stderr].map(
      (s) =>
        new Promise<void>((resolve) => {
          if (!s) return resolve();
          s.on('data', (c: Buffer) => output.write(c));
          s.on('error', () => resolve());
          s.on('close', () => resolve());
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), opts.timeoutMs);
    });
    const exited = proc.wait().then(
      (s) => s.exitCode,
      () => 125,
    );
    const done = Promise.all([exited, ...closed]).then(([code]) => code);
    const outcome = await Promise.race([done, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      killQuietly(proc.pid);
      return { exitCode: -1, output: output.text(), timedOut: true };
    }
    return { exitCode: outcome, output: output.text(), timedOut: false };
  }

  private spawn(record: ContainerRecord, c: ExecConfig, stdio: StdioSpec): Promise<RunningProcess> {
    const process = this.processOf(record, c);
    return this.containers.runtime.exec(record.id, process, { stdio, withoutSeccomp: !!c.Privileged });
  }

  /** The exec's process: the container's own (from its saved spec) with the exec's settings over it. */
  private processOf(record: ContainerRecord, c: ExecConfig): Process {
    const base = this.containers.runtime.savedSpec(record.id).process;
    if (!base) throw new BerthError('Internal', `container ${record.id} has no process in its spec`);
    const rootfs = this.containers.rootfs(record.id);
    const groupAdd = record.request.HostConfig?.GroupAdd ?? [];
    let user = base.user ?? { uid: 0, gid: 0 };
    let home = '/';
    if (c.User) {
      const u = resolveUserInRootfs(rootfs, c.User, groupAdd);
      user = { ...user, uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
      home = u.home;
    } else {
      try {
        home = resolveUserInRootfs(rootfs, record.config.User ?? '', groupAdd).home;
      } catch {}
    }
    const hostname =
      (base.env ?? []).find((e) => e.startsWith('HOSTNAME='))?.slice('HOSTNAME='.length) ??
      record.id.slice(0, 12);
    const env = processEnv({
      env: [...(record.config.Env ?? []), ...(c.Env ?? [])],
      hostname,
      tty: !!c.Tty,
      home,
      defaultPath: DEFAULT_PATH,
    });
    const bounding = base.capabilities?.bounding ?? [];
    const caps = c.Privileged ? grantableCapabilities(kernelLastCap()) : bounding;
    const proc: Process = {
      ...structuredClone(base),
      args: [...(c.Cmd ?? [])],
      env,
      cwd: c.WorkingDir || record.config.WorkingDir || '/',
      terminal: !!c.Tty,
      user,
      capabilities: capabilitySets(caps, user.uid ?? 0),
      noNewPrivileges: c.Privileged ? false : !!base.noNewPrivileges,
    };
    const [height, width] = c.ConsoleSize ?? [];
    if (c.Tty && height && width) proc.consoleSize = { height, width };
    else delete proc.consoleSize;
    if (c.Privileged) delete proc.apparmorProfile;
    return proc;
  }
}

/** The container, if an exec can run in it now; Docker's refusals otherwise. */
function runningContainer(containers: ContainerService, ref: string): ContainerRecord {
  const r = containers.resolve(ref);
  switch (r.state.Status) {
    case 'running':
      return r;
    case 'paused':
      throw conflict(`container ${ref} is paused, unpause the container before exec`);
    case 'restarting':
      throw conflict(`container ${r.id} is restarting, wait until the container is running`);
    default:
      throw conflict(`container ${r.id} is not running`);
  }
}

/** Docker's (runc's) words for a program that could not be started. */
function execStartError(err: unknown, cmd: string[]): BerthError {
  if (!(err instanceof LaunchError) || err.step !== 'exec') {
    return err instanceof BerthError ? err : new BerthError('Internal', String(err));
  }
  const program = cmd[0] ?? '';
  const prefix = 'OCI runtime exec failed: exec failed: unable to start container process: exec:';
  let why: string;
  if (err.errno === 'ENOENT' && !program.includes('/')) why = 'executable file not found in $PATH';
  else if (err.errno === 'ENOENT') why = `stat ${program}: no such file or directory`;
  else if (err.errno === 'EACCES') why = 'permission denied';
  else why = err.message;
  const code = err.errno === 'ENOENT' ? 'NotFound' : 'PermissionDenied';
  return new BerthError(code, `${prefix} "${program}": ${why}: unknown`);
}

/** Keeps the first `max` bytes written; says `...` after a cut (Docker's health output rule). */
class LimitedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private cut = false;
  constructor(private readonly max: number) {}
  write(chunk: Buffer): void {
    const room = this.max - this.size;
    if (chunk.length > room) this.cut = true;
    const kept = chunk.subarray(0, Math.max(0, room));
    if (kept.length) {
      this.chunks.push(kept);
      this.size += kept.length;
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8') + (this.cut ? '...' : '');
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
}
