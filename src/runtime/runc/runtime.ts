// The Runtime interface: runc's verbs as calls, so berthd drives berth's own runtime
// in-process and berth-runc (or any OCI runtime command) through the same shape.
import type { Readable, Writable } from 'node:stream';
import type { ExitStatus } from '../launch/handshake.ts';
import type { OciState, Process, Resources } from '../spec/types.ts';

/** fds 0-2 for the container's process: 'inherit' passes ours through, as runc does. */
export type StdioSpec = 'inherit' | [StdioEntry, StdioEntry, StdioEntry];
type StdioEntry = number | 'ignore' | 'pipe';

import type { ShimOptions } from '../launch/launcher.ts';

export interface CreateOptions {
  /**
   * Run under berth-native's detached shim (berthd's containers): it holds the stdio, writes the
   * json-file log and the exit file, and outlives this process. Implies keepMonitor.
   */
  shim?: ShimOptions;
  /** Where the container's init's pid is written. */
  pidFile?: string;
  /** A unix socket that receives the pty master when process.terminal is true. */
  consoleSocket?: string;
  /** chroot instead of pivot_root. */
  noPivot?: boolean;
  /** Default 'inherit'. */
  stdio?: StdioSpec;
  /**
   * Keep berth-native as the container's parent after start (it reaps the init and
   * forwards signals), and this process as the one to start it. Default false: as with
   * runc, nothing of ours stays: the init waits on the start fifo in the container's state
   * directory (any process may start it) and belongs to the caller's subreaper
   * (containerd-shim, conmon), which reaps it.
   */
  keepMonitor?: boolean;
}

export interface ExecOptions {
  pidFile?: string;
  consoleSocket?: string;
  stdio?: StdioSpec;
  /** Do not wait: the process is handed to the caller's subreaper once it runs. */
  detach?: boolean;
  /** Leave out the container's seccomp filter (`docker exec --privileged`). */
  withoutSeccomp?: boolean;
}

export interface RunningProcess {
  readonly pid: number;
  /** The process's ends of the stdio entries given as 'pipe' (with a terminal: its input and output). */
  readonly stdin?: Writable | null;
  readonly stdout?: Readable | null;
  readonly stderr?: Readable | null;
  /** The exit status: code, or 128+signal for a fatal signal. */
  wait(): Promise<ExitStatus>;
}

export interface RuntimeState extends OciState {
  rootfs: string;
  created: string;
  owner: string;
}

export interface Runtime {
  create(id: string, bundle: string, opts?: CreateOptions): Promise<{ pid: number }>;
  start(id: string): Promise<void>;
  state(id: string): Promise<RuntimeState>;
  /** Signal the init, or with `all` every process of the container. */
  kill(id: string, signal: number, opts?: { all?: boolean }): Promise<void>;
  delete(id: string, opts?: { force?: boolean }): Promise<void>;
  exec(id: string, process: Process, opts?: ExecOptions): Promise<RunningProcess>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  update(id: string, resources: Resources): Promise<void>;
  list(): Promise<RuntimeState[]>;
  /** Host pids of every process in the container's cgroup. */
  pids(id: string): Promise<number[]>;
}

/** A stream that writes nowhere, for callers that pass no log. */
export type LogSink = Pick<Writable, 'write'>;
