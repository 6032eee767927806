// berth's own OCI runtime behind the Runtime interface: runc's verbs over the state
// store, the cgroup manager, the seccomp compiler and the native launcher. berthd uses
// it in-process; berth-runc wraps it in runc's command line. A created container waits
// on a fifo in its state directory (as runc's exec.fifo), so no process of ours stays
// between create and start.
import { copyFileSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, conflict, invalidArgument } from '../../util/errors.ts';
import { resolveCgroupsPath } from '../cgroups/cgroups-path.ts';
import { detectCgroups } from '../cgroups/detect.ts';
import { CgroupManager } from '../cgroups/manager.ts';
import type { LaunchedContainer, LaunchOptions } from '../launch/launcher.ts';
import { launch } from '../launch/launcher.ts';
import type { LaunchPlan } from '../launch/plan.ts';
import { startThroughFifo } from '../launch/start-fifo.ts';
import { compileSeccomp } from '../seccomp/compile.ts';
import { hostArch } from '../seccomp/profile.ts';
import { planFromSpec } from '../spec/plan-from-spec.ts';
import type { Process, Resources, Spec } from '../spec/types.ts';
import { OCI_VERSION } from '../spec/types.ts';
import { parseSpec } from '../spec/validate-config.ts';
import { pidExists, processStartTime, processStateLetter } from '../state/proc-start-time.ts';
import { type ContainerState, StateStore, toOciState } from '../state/state-store.ts';
import { readBundle } from './bundle.ts';
import { setConsoleSize } from './console-size.ts';
import { execPlan } from './exec-plan.ts';
import { runHooks } from './hooks.ts';
import { withHome, withoutZeroLimits } from './runc-defaults.ts';
import type {
  CreateOptions,
  ExecOptions,
  RunningProcess,
  Runtime,
  RuntimeState,
  StdioSpec,
} from './runtime.ts';

const SAVED_SPEC = 'config.json';
const START_FIFO = 'exec.fifo';

export interface BerthRuntimeOptions {
  /** State directory (runc's --root). */
  root?: string;
  /** The berth-native binary; default nativeBinaryPath(). */
  nativeBinary?: string;
  /** Warnings (cgroup limits the host cannot apply, failing poststop hooks). */
  warn?: (message: string) => void;
}

function stdioOf(spec: StdioSpec | undefined): LaunchOptions['stdio'] {
  if (!spec || spec === 'inherit') return [0, 1, 2];
  return spec;
}

export class BerthRuntime implements Runtime {
  readonly store: StateStore;
  /** Containers created with keepMonitor by this process: it alone can start them. */
  private readonly held = new Map<string, LaunchedContainer>();
  private readonly warn: (m: string) => void;

  constructor(private readonly opts: BerthRuntimeOptions = {}) {
    this.store = new StateStore(opts.root);
    this.warn = opts.warn ?? (() => {});
  }

  /** Close every handshake this process holds; shims carry on without us (daemon shutdown). */
  releaseAll(): void {
    for (const h of this.held.values()) h.release();
    this.held.clear();
  }

  /** The container's launched-but-not-started handle, when this process holds it. */
  holds(id: string): boolean {
    return this.held.has(id);
  }

  async create(id: string, bundleDir: string, opts: CreateOptions = {}): Promise<{ pid: number }> {
    const dir = this.store.dir(id); // validates the id
    if (await this.store.exists(id)) throw conflict(`container with given ID already exists: ${id}`);
    const bundle = readBundle(bundleDir);
    const { spec } = bundle;
    checkTerminal(spec, opts);
    const state: ContainerState = {
      ociVersion: spec.ociVersion || OCI_VERSION,
      id,
      status: 'creating',
      pid: 0,
      bundle: bundle.dir,
      rootfs: bundle.rootfs,
      created: new Date().toISOString(),
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
    };
    await this.store.create(state);
    let cgroups: CgroupManager | undefined;
    let handle: LaunchedContainer | undefined;
    try {
      copyFileSync(join(bundle.dir, 'config.json'), join(dir, SAVED_SPEC));
      const cgroupPath = resolveCgroupsPath(spec.linux?.cgroupsPath, id);
      cgroups = new CgroupManager(await detectCgroups(), cgroupPath, { unenforcedDeviceRules: 'warn' });
      state.cgroupPath = cgroupPath;
      state.cgroupDirs = cgroups.dirs();
      await this.store.save(state);
      await cgroups.create();
      await cgroups.apply(withoutZeroLimits(spec.linux?.resources));
      for (const w of cgroups.warnings) this.warn(w);
      if (spec.process) spec.process = withHome(spec.process, bundle.rootfs);
      const plan = planFromSpec(spec, bundle.dir, {
        seccompProgram: this.seccompOf(spec),
        cgroupProcsFiles: cgroups.procsFiles(),
        cgroupMounts: cgroups.mountSources(),
        noPivotRoot: opts.noPivot,
      });
      const monitored = opts.keepMonitor || !!opts.shim;
      handle = await launch(plan, {
        stdio: stdioOf(opts.stdio),
        consoleSocket: opts.consoleSocket,
        binary: this.opts.nativeBinary,
        shim: opts.shim,
        keeper: monitored ? 'monitor' : { startFifo: join(dir, START_FIFO) },
      });
      state.pid = handle.pid;
      state.pidStartTime = await processStartTime(handle.pid);
      if (monitored) {
        state.shimPid = handle.monitorPid;
        state.shimStartTime = await processStartTime(handle.monitorPid);
      }
      state.status = 'created';
      await this.store.save(state);
      const oci = toOciState(state, 'created');
      await runHooks('prestart', spec.hooks?.prestart, oci);
      await runHooks('createRuntime', spec.hooks?.createRuntime, oci);
      if (opts.pidFile) await writePidFile(opts.pidFile, handle.pid);
      if (monitored) this.held.set(id, handle);
      return { pid: handle.pid };
    } catch (err) {
      handle?.release();
      if (handle) await killAndWait(handle.pid, opts.keepMonitor || opts.shim ? handle.monitorPid : 0);
      await cgroups?.destroy().catch(() => {});
      await this.store.remove(id);
      throw err;
    }
  }

  private seccompOf(spec: Spec): Uint8Array | undefined {
    const seccomp = spec.linux?.seccomp;
    return seccomp ? compileSeccomp(seccomp, hostArch()) : undefined;
  }

  async start(id: string): Promise<void> {
    await this.store.withLock(id, async () => {
      const state = await this.store.load(id);
      await this.expectStartable(state);
      const spec = this.savedSpec(id);
      const held = this.held.get(id);
      if (held) {
        await held.start();
        this.held.delete(id);
      } else {
        startThroughFifo(join(this.store.dir(id), START_FIFO));
      }
      state.status = 'running';
      await this.store.save(state);
      await runHooks('poststart', spec.hooks?.poststart, toOciState(state, 'running')).catch((e: Error) =>
        this.warn(e.message),
      );
    });
  }

  private async expectStartable(state: ContainerState): Promise<void> {
    const status = await this.store.status(state);
    if (status === 'created') return;
    if (status === 'stopped')
      throw new BerthError('FailedPrecondition', 'cannot start a container that has stopped');
    throw new BerthError('FailedPrecondition', `cannot start an already ${status} container`);
  }

  /** Wait for a container whose monitor this process holds (run in the foreground). */
  waitHeld(id: string): LaunchedContainer | undefined {
    return this.held.get(id);
  }

  savedSpec(id: string): Spec {
    return parseSpec(readFileSync(join(this.store.dir(id), SAVED_SPEC), 'utf8'), 'config.json');
  }

  async state(id: string): Promise<RuntimeState> {
    return this.store.ociState(id);
  }

  async list(): Promise<RuntimeState[]> {
    const out: RuntimeState[] = [];
    for (const s of await this.store.list()) out.push(toOciState(s, await this.store.status(s)));
    return out;
  }

  private cgroupsOf(state: ContainerState): Promise<CgroupManager> {
    if (!state.cgroupPath) throw new BerthError('Internal', `container ${state.id} has no cgroup recorded`);
    return detectCgroups().then(
      (l) => new CgroupManager(l, state.cgroupPath!, { unenforcedDeviceRules: 'warn' }),
    );
  }

  /** Whether the kernel's OOM killer killed a process of the container (read before delete). */
  async oomKilled(id: string): Promise<boolean> {
    const state = await this.store.load(id);
    return (await (await this.cgroupsOf(state)).oomKills()) > 0;
  }

  async pids(id: string): Promise<number[]> {
    const state = await this.store.load(id);
    return (await this.cgroupsOf(state)).pids();
  }

  async kill(id: string, signal: number, opts: { all?: boolean } = {}): Promise<void> {
    const state = await this.store.load(id);
    const status = await this.store.status(state);
    if (opts.all) {
      const cg = await this.cgroupsOf(state);
      for (const pid of await cg.pids()) killQuietly(pid, signal);
      if (status === 'paused' && signal === os.constants.signals.SIGKILL) await cg.thaw();
      return;
    }
    if (status === 'stopped') throw new BerthError('FailedPrecondition', 'container not running');
    process.kill(state.pid, signal);
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.store.withLock(id, async () => {
      const state = await this.store.load(id);
      const status = await this.store.status(state);
      if ((status === 'running' || status === 'paused') && !opts.force) {
        throw new BerthError(
          'FailedPrecondition',
          `cannot delete container ${id} that is not stopped: ${status}`,
        );
      }
      let spec: Spec | undefined;
      try {
        spec = this.savedSpec(id);
      } catch {}
      const cg = state.cgroupPath ? await this.cgroupsOf(state) : undefined;
      if (status !== 'stopped') {
        killQuietly(state.pid, 'SIGKILL');
        if (cg) {
          for (const pid of await cg.pids().catch(() => [])) killQuietly(pid, 'SIGKILL');
          if (status === 'paused') await cg.thaw().catch(() => {});
        }
      }
      this.held.get(id)?.release();
      this.held.delete(id);
      await waitGone(state.pid, state.pidStartTime);
      if (cg) await cg.destroy();
      await runHooks('poststop', spec?.hooks?.poststop, toOciState(state, 'stopped')).catch((e: Error) =>
        this.warn(e.message),
      );
      await this.store.remove(id);
    });
  }

  async exec(id: string, proc: Process, opts: ExecOptions = {}): Promise<RunningProcess> {
    const state = await this.store.load(id);
    const status = await this.store.status(state);
    if (status === 'stopped')
      throw new BerthError('FailedPrecondition', 'cannot exec in a stopped container');
    if (status === 'paused') throw new BerthError('FailedPrecondition', 'cannot exec in a paused container');
    const spec = this.savedSpec(id);
    if (opts.withoutSeccomp) delete spec.linux?.seccomp;
    const cg = await this.cgroupsOf(state);
    const plan: LaunchPlan = execPlan({
      spec,
      process: withHome(proc, state.rootfs),
      initPid: state.pid,
      cgroupProcsFiles: cg.procsFiles(),
      seccompProgram: this.seccompOf(spec),
    });
    const handle = await launch(plan, {
      stdio: stdioOf(opts.stdio),
      consoleSocket: opts.consoleSocket,
      binary: this.opts.nativeBinary,
      keeper: opts.detach ? 'detach' : 'monitor',
    });
    try {
      // as runc does: the terminal has its size before the program runs
      if (proc.terminal && proc.consoleSize)
        await setConsoleSize(handle.pid, proc.consoleSize).catch((e: Error) => this.warn(e.message));
      await handle.start();
    } catch (err) {
      handle.release();
      throw err;
    }
    if (opts.pidFile) await writePidFile(opts.pidFile, handle.pid);
    return {
      pid: handle.pid,
      stdin: handle.stdin,
      stdout: handle.stdout,
      stderr: handle.stderr,
      wait: () => handle.wait(),
    };
  }

  async pause(id: string): Promise<void> {
    await this.store.withLock(id, async () => {
      const state = await this.store.load(id);
      const status = await this.store.status(state);
      if (status !== 'running' && status !== 'created')
        throw new BerthError('FailedPrecondition', 'container not running');
      await (await this.cgroupsOf(state)).freeze();
    });
  }

  async resume(id: string): Promise<void> {
    await this.store.withLock(id, async () => {
      const state = await this.store.load(id);
      if ((await this.store.status(state)) !== 'paused')
        throw new BerthError('FailedPrecondition', 'container not paused');
      await (await this.cgroupsOf(state)).thaw();
    });
  }

  async update(id: string, resources: Resources): Promise<void> {
    await this.store.withLock(id, async () => {
      const state = await this.store.load(id);
      if ((await this.store.status(state)) === 'stopped') {
        throw new BerthError('FailedPrecondition', `container ${id} is stopped: nothing to update`);
      }
      const cg = await this.cgroupsOf(state);
      await cg.update(withoutZeroLimits(resources));
      for (const w of cg.warnings) this.warn(w);
    });
  }
}

/** runc's rules on terminals: a detached container's pty must go to a console socket. */
function checkTerminal(spec: Spec, opts: CreateOptions): void {
  const terminal = !!spec.process?.terminal;
  if (terminal && !opts.keepMonitor && !opts.shim && !opts.consoleSocket)
    throw invalidArgument('cannot allocate tty if berth-runc will detach without setting console socket');
  if (!terminal && opts.consoleSocket)
    throw invalidArgument('cannot use console socket if berth-runc will not detach or allocate tty');
}

async function writePidFile(file: string, pid: number): Promise<void> {
  // runc writes the pid without a newline, atomically (dockerd and conmon read it once).
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, String(pid));
  await rename(tmp, file);
}

function killQuietly(pid: number, signal: NodeJS.Signals | number): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {}
}

async function killAndWait(...pids: number[]): Promise<void> {
  for (const p of pids) killQuietly(p, 'SIGKILL');
  for (const p of pids) await waitGone(p, undefined);
}

async function waitGone(pid: number, startTime: number | undefined, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pid && pidExists(pid) && Date.now() < deadline) {
    const st = await processStartTime(pid);
    if (st === undefined || (startTime !== undefined && st !== startTime)) return;
    if ((await processStateLetter(pid)) === 'Z') return;
    await sleep(10);
  }
}
