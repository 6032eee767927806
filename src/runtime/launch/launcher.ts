// Starts a container from a launch plan: spawns berth-native (create, or shim
// mode that outlives us), speaks the fd-3 handshake and turns the native
// side's reports into a created container that can be started and waited on.
import { type ChildProcess, type StdioNull, type StdioPipe, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import os from 'node:os';
import type { Readable, Stream, Writable } from 'node:stream';
import { BerthError } from '../../util/errors.ts';
import {
  decodeError,
  decodeExited,
  type ExitStatus,
  encodeFrame,
  type Frame,
  FrameReader,
  Msg,
} from './handshake.ts';
import { launchErrorOf } from './launch-error.ts';
import { nativeBinaryPath } from './native-binary.ts';
import { encodePlan, type LaunchPlan } from './plan.ts';

type StdioEntry = StdioPipe | StdioNull | number | Stream;

export interface ShimOptions {
  /** Docker json-file log of the container's stdout/stderr (absolute path). */
  logPath?: string;
  /** JSON exit record written when the container ends (absolute path). */
  exitFile?: string;
  /** Also copy the output to the shim's own stdout/stderr (the `stdio` given here) while they are open. */
  forward?: boolean;
  /** Run by the shim after the exit file is written: [path, ...args]. */
  exitCommand?: string[];
}

export interface LaunchOptions {
  /**
   * fds 0-2 of berth-native. In create mode they are the container's own stdio
   * (with a terminal: relayed to and from the pty); in shim mode stdin is the
   * container's stdin (the pty's input with a terminal), and stdout/stderr only
   * receive output when `shim.forward` is set. Default: ignore all three.
   */
  stdio?: [StdioEntry, StdioEntry, StdioEntry];
  /** Run under a detached shim that outlives this process. */
  shim?: boolean | ShimOptions;
  /** With a terminal: send the pty master to this unix socket (SCM_RIGHTS) instead of holding it. */
  consoleSocket?: string;
  /** The berth-native binary; default nativeBinaryPath(). */
  binary?: string;
  /**
   * Not in shim mode. 'monitor' (default): berth-native stays the container's parent, reaps it and
   * reports its exit. 'detach': berth-native exits once the exec succeeded, leaving the process to our
   * subreaper (no wait()). A path: berth-native makes a fifo there and exits once the container is
   * created; the init execs when a byte is written to the fifo (startThroughFifo), and belongs to our
   * subreaper (no start(), no wait()). The last two are how runc leaves processes to containerd-shim and
   * conmon.
   */
  keeper?: 'monitor' | 'detach' | { startFifo: string };
}

export interface LaunchedContainer {
  /** The container's init, in our pid namespace. It waits for start() before it execs. */
  readonly pid: number;
  /** berth-native's parent process (the shim in shim mode): the container's parent. */
  readonly monitorPid: number;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Let the process exec; resolves once the exec succeeded, rejects with a LaunchError. */
  start(): Promise<void>;
  /**
   * Resolves with the exit status of the container's process. In shim mode this needs the handshake still
   * open (not release()d); a later reader uses the shim's exit file (readExitFile).
   */
  wait(): Promise<ExitStatus>;
  /** Close the handshake socket: a shim carries on alone, a created-but-unstarted container is killed. */
  release(): void;
}

interface Waiter {
  types: number[];
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
}

class Handshake {
  private frames: Frame[] = [];
  private waiters: Waiter[] = [];
  private closed: Error | undefined;
  private reader = new FrameReader();
  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.reader.push(chunk)) this.deliver(f);
    });
    const end = (err?: Error) => {
      if (this.closed) return;
      this.closed = err ?? new BerthError('Internal', 'berth-native closed the handshake');
      for (const w of this.waiters.splice(0)) w.reject(this.closed);
    };
    socket.on('close', () => end());
    socket.on('error', (e) => end(e));
  }
  private deliver(f: Frame): void {
    if (f.type === Msg.Error) {
      // an error is final: every pending and later wait fails with it
      this.closed = launchErrorOf(decodeError(f.payload));
      for (const w of this.waiters.splice(0)) w.reject(this.closed);
      return;
    }
    const i = this.waiters.findIndex((w) => w.types.includes(f.type));
    if (i < 0) {
      this.frames.push(f);
      return;
    }
    const [w] = this.waiters.splice(i, 1);
    w.resolve(f);
  }
  /** The next frame of one of `types`; an ERROR frame rejects. */
  next(...types: number[]): Promise<Frame> {
    const i = this.frames.findIndex((f) => types.includes(f.type));
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]);
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => this.waiters.push({ types, resolve, reject }));
  }
  send(type: number, payload?: Buffer): void {
    this.socket.write(encodeFrame(type, payload));
  }
}

function shimArgs(shim: ShimOptions, consoleSocket: string | undefined): string[] {
  const a = ['shim'];
  if (shim.logPath) a.push('--log', shim.logPath);
  if (shim.exitFile) a.push('--exit-file', shim.exitFile);
  if (shim.forward) a.push('--forward');
  if (consoleSocket) a.push('--console-socket', consoleSocket);
  if (shim.exitCommand?.length) {
    const [cmd, ...rest] = shim.exitCommand;
    a.push('--exit-command', cmd);
    for (const r of rest) a.push('--exit-arg', r);
  }
  return a;
}

/** Spawn berth-native for `plan` and wait until the container is created (set up, not yet exec'd). */
export async function launch(plan: LaunchPlan, opts: LaunchOptions = {}): Promise<LaunchedContainer> {
  const encoded = encodePlan(plan);
  const binary = opts.binary ?? nativeBinaryPath();
  const shim = opts.shim === true ? {} : opts.shim || undefined;
  const args = shim ? shimArgs(shim, opts.consoleSocket) : ['create'];
  if (!shim && opts.consoleSocket) args.push('--console-socket', opts.consoleSocket);
  const keeper = opts.keeper ?? 'monitor';
  if (shim && keeper !== 'monitor') throw new BerthError('Internal', 'a shim is always the monitor');
  if (keeper === 'detach') args.push('--detach');
  else if (keeper !== 'monitor') args.push('--start-fifo', keeper.startFifo);
  const stdio = opts.stdio ?? ['ignore', 'ignore', 'ignore'];
  const child: ChildProcess = spawn(binary, args, { stdio: [...stdio, 'pipe'], detached: !!shim });
  const socket = child.stdio[3] as Socket;
  const hs = new Handshake(socket);
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) =>
      reject(new BerthError('Internal', `spawning ${binary}: ${e.message}`, { cause: e })),
    );
  });
  const exitOfChild = new Promise<ExitStatus>((resolve) =>
    child.once('exit', (code, signal) =>
      resolve(
        signal
          ? { exitCode: 128 + (signalNumber(signal) ?? 0), signal: signalNumber(signal) ?? 0 }
          : { exitCode: code ?? 125, signal: 0 },
      ),
    ),
  );
  // The shim double-forks, so the process we spawned exits at once, and Node destroys a
  // child's stdin when it exits: keep our own reference and take it off the child, so the
  // shim's (and the container's) stdin stays writable.
  const stdin = child.stdin;
  if (shim) {
    child.unref();
    child.stdin = null;
  }
  try {
    await spawned;
    hs.send(Msg.Plan, encoded);
    const hello = await hs.next(Msg.Hello);
    const monitorPid = hello.payload.readUInt32LE(4);
    const created = await hs.next(Msg.Created);
    const pid = created.payload.readUInt32LE(0);
    const exited = hs.next(Msg.Exited).then((f) => decodeExited(f.payload));
    exited.catch(() => {});
    let starting: Promise<void> | undefined;
    return {
      pid,
      monitorPid,
      stdin,
      stdout: child.stdout,
      stderr: child.stderr,
      start() {
        if (typeof keeper === 'object')
          return Promise.reject(new BerthError('Internal', 'this container starts through its fifo'));
        starting ??= (async () => {
          hs.send(Msg.Start);
          await hs.next(Msg.Started);
        })();
        return starting;
      },
      async wait() {
        if (keeper !== 'monitor')
          throw new BerthError('Internal', 'a detached process is not ours to wait for');
        try {
          return await exited;
        } catch (err) {
          // create mode: berth-native's own exit status mirrors the container's
          if (!shim) return exitOfChild;
          throw err;
        }
      },
      release() {
        socket.destroy();
      },
    };
  } catch (err) {
    socket.destroy();
    if (!shim && child.exitCode === null) child.kill('SIGKILL');
    throw err;
  }
}

function signalNumber(name: NodeJS.Signals): number | undefined {
  return (os.constants.signals as Record<string, number>)[name];
}
