// The engine's runtime: berth's own, called in-process, beside the OCI runtime commands the
// daemon knows (runc, `--add-runtime NAME=PATH`). Each call goes to the runtime its container
// was created with, which the engine's records say (`runtimeOf`); a container the engine has
// no runtime recorded for (a build step, a record from before runtimes) runs on berth's.
import { BerthError, invalidArgument } from '../../util/errors.ts';
import type { LaunchedContainer } from '../launch/launcher.ts';
import type { Process, Resources, Spec } from '../spec/types.ts';
import type { ContainerState } from '../state/state-store.ts';
import type { BerthRuntime } from './berth-runtime.ts';
import { setConsoleSize } from './console-size.ts';
import { OciCommandRuntime } from './oci-command-runtime.ts';
import type { CreateOptions, ExecOptions, RunningProcess, Runtime, RuntimeState } from './runtime.ts';

/** The name of berth's own runtime, as `--runtime` and /info spell it. */
export const BERTH_RUNTIME = 'berth';

/** What the engine asks of a runtime beyond runc's verbs (BerthRuntime and OciCommandRuntime have it). */
export interface EngineRuntime extends Runtime {
  waitHeld(id: string): LaunchedContainer | undefined;
  holds(id: string): boolean;
  releaseAll(): void;
  savedSpec(id: string): Spec;
  oomKilled(id: string): Promise<boolean>;
}

export interface RuntimeSetOptions {
  berth: BerthRuntime;
  commands?: readonly OciCommandRuntime[];
  /** The runtime of a container created without `--runtime`; default berth's. */
  defaultRuntime?: string;
  /** The runtime a container was created with, from the engine's record; undefined: berth's. */
  runtimeOf: (id: string) => string | undefined;
}

/** Docker's words for a runtime name the daemon does not know. */
export const unknownRuntime = (name: string) => invalidArgument(`unknown or invalid runtime name: ${name}`);

export class RuntimeSet {
  readonly berth: BerthRuntime;
  readonly defaultRuntime: string;
  private readonly commands = new Map<string, OciCommandRuntime>();
  private readonly runtimeOf: (id: string) => string | undefined;

  constructor(o: RuntimeSetOptions) {
    this.berth = o.berth;
    this.runtimeOf = o.runtimeOf;
    for (const c of o.commands ?? []) {
      if (c.name === BERTH_RUNTIME || this.commands.has(c.name))
        throw invalidArgument(`runtime name "${c.name}" is given twice`);
      this.commands.set(c.name, c);
    }
    this.defaultRuntime = o.defaultRuntime || BERTH_RUNTIME;
    if (!this.known(this.defaultRuntime))
      throw invalidArgument(`the default runtime "${this.defaultRuntime}" is not a runtime of this daemon`);
  }

  private known(name: string): boolean {
    return name === BERTH_RUNTIME || this.commands.has(name);
  }

  /** Every runtime's command, berth's own as `berth` (in-process), as /info lists them. */
  paths(): Record<string, string> {
    const out: Record<string, string> = { [BERTH_RUNTIME]: BERTH_RUNTIME };
    for (const [name, c] of this.commands) out[name] = c.path;
    return out;
  }

  /** The runtime a new container runs on: the one asked for, else the default; Docker's error for an unknown one. */
  nameFor(asked: string | undefined): string {
    const name = asked || this.defaultRuntime;
    if (!this.known(name)) throw unknownRuntime(name);
    return name;
  }

  /** The runtime of container `id`. */
  of(id: string): EngineRuntime {
    const name = this.runtimeOf(id) || BERTH_RUNTIME;
    if (name === BERTH_RUNTIME) return this.berth;
    const c = this.commands.get(name);
    if (!c)
      throw new BerthError(
        'FailedPrecondition',
        `unknown or invalid runtime name: ${name} (container ${id.slice(0, 12)} was created with it; start the daemon with --add-runtime ${name}=PATH)`,
      );
    return c;
  }

  async create(id: string, bundle: string, opts?: CreateOptions): Promise<{ pid: number }> {
    return this.of(id).create(id, bundle, opts);
  }

  async start(id: string): Promise<void> {
    return this.of(id).start(id);
  }

  waitHeld(id: string): LaunchedContainer | undefined {
    return this.of(id).waitHeld(id);
  }

  holds(id: string): boolean {
    return this.of(id).holds(id);
  }

  async state(id: string): Promise<RuntimeState> {
    return this.of(id).state(id);
  }

  async kill(id: string, signal: number, opts?: { all?: boolean }): Promise<void> {
    return this.of(id).kill(id, signal, opts);
  }

  async delete(id: string, opts?: { force?: boolean }): Promise<void> {
    return this.of(id).delete(id, opts);
  }

  async exec(id: string, process: Process, opts?: ExecOptions): Promise<RunningProcess> {
    return this.of(id).exec(id, process, opts);
  }

  async pause(id: string): Promise<void> {
    return this.of(id).pause(id);
  }

  async resume(id: string): Promise<void> {
    return this.of(id).resume(id);
  }

  async update(id: string, resources: Resources): Promise<void> {
    return this.of(id).update(id, resources);
  }

  async pids(id: string): Promise<number[]> {
    return this.of(id).pids(id);
  }

  savedSpec(id: string): Spec {
    return this.of(id).savedSpec(id);
  }

  async oomKilled(id: string): Promise<boolean> {
    return this.of(id).oomKilled(id);
  }

  /** Close every handshake held for containers not yet started (daemon shutdown). */
  releaseAll(): void {
    this.berth.releaseAll();
    for (const c of this.commands.values()) c.releaseAll();
  }

  /** The state records the engine's stats read (the cgroup path above all), as BerthRuntime's store has them. */
  readonly store = {
    load: async (id: string): Promise<ContainerState> => {
      const rt = this.of(id);
      return rt instanceof OciCommandRuntime ? rt.containerState(id) : this.berth.store.load(id);
    },
  };

  /** Size the terminal of container `id`, whose init is `pid`. */
  async setConsoleSize(id: string, pid: number, size: { height: number; width: number }): Promise<void> {
    const rt = this.of(id);
    return rt instanceof OciCommandRuntime ? rt.setConsoleSize(pid, size) : setConsoleSize(pid, size);
  }
}
