// RUN: the command runs in a throwaway container on the stage's layers, with the
// stage's environment plus the build args in scope (not kept in the image), its
// user and working directory, its --mount mounts (run-mounts.ts, set up by the
// caller) and the build's own network: `RUN --network=host` shares the host's;
// `none` gives it a network namespace with only loopback; the default puts it on
// the daemon's default bridge network, as Docker's builders do, when the daemon
// has one (`network`, with a fresh container ID of its own, taken down when the
// step ends however it ends), and is `none` otherwise. The build's own default
// (`defaultNetwork`, `berth build --network`) replaces the bridge for RUN steps
// that do not name a network, as Docker's `networkmode` does. Its output is the build's
// output; its upper directory becomes the step's layer (step-layer.ts), without
// the mountpoints made for its mounts (recorded in `step.mountpoints`).
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ContainerCreateRequest, MountSpec } from '../../engine/container-config.ts';
import { containerSpec } from '../../engine/spec/index.ts';
import type { BerthRuntime } from '../../runtime/runc/berth-runtime.ts';
import type { DockerSeccompProfile } from '../../runtime/seccomp/index.ts';
import { BerthError } from '../../util/errors.ts';
import type { RunInstruction } from '../dockerfile/index.ts';
import { resolveInRoot } from './root-path.ts';
import type { StepRootfs } from './step-layer.ts';

/** A build container's place on the daemon's default bridge network. */
export interface BuildSandbox {
  /** The network namespace to join (a file). */
  netns: string;
  /** The container's addresses, for its /etc/hosts. */
  addresses: string[];
  /** The bridge's gateway, what `host-gateway` stands for. */
  hostGateway?: string;
}

/** The daemon's networks, as RUN uses them. */
export interface BuildNetwork {
  /** Put the build container `id` on the default bridge network; undefined when the daemon has none. */
  attach(id: string): Promise<BuildSandbox | undefined>;
  /** Take down whatever `attach` made for `id` (also after it failed halfway). */
  detach(id: string): Promise<void>;
}

export interface RunEnvironment {
  runtime: BerthRuntime;
  nativeBinary?: string;
  seccompDefault?: DockerSeccompProfile;
  /** The default bridge network for `RUN` and `RUN --network=default`; without it they get `none`. */
  network?: BuildNetwork;
  /** What `RUN` and `RUN --network=default` get instead of the bridge (`berth build --network`). */
  defaultNetwork?: 'host' | 'none';
}

export interface RunCommand {
  instr: RunInstruction;
  argv: string[];
  /** The config the container runs with: the stage's, so far. */
  config: { Env?: string[] | null; User?: string; WorkingDir?: string };
  /** Build args in scope (NAME=value), added to the environment. */
  buildEnv: string[];
  /** Where stdout and stderr go. */
  output: (chunk: Buffer) => void;
  /** Told the container's ID before it starts (for "Running in ..."). */
  onStart?: (id: string) => void;
  /** The container's --mount mounts (run-mounts.ts). */
  mounts?: MountSpec[];
  /** Secrets as variables (NAME=value), last: they win over the config and the build args. */
  secretEnv?: string[];
  /** Kills the container when it aborts; the step then fails with the signal's reason. */
  signal?: AbortSignal;
}

/** Run the command in `step`'s rootfs; resolves with its exit code. */
export async function runInRootfs(env: RunEnvironment, step: StepRootfs, cmd: RunCommand): Promise<number> {
  if (cmd.instr.security === 'insecure')
    throw new BerthError('NotImplemented', 'RUN --security=insecure is not supported by berth');
  const id = randomBytes(32).toString('hex');
  const mounts = cmd.mounts ?? [];
  // The runtime makes missing targets where the path leads inside the root, symlinks followed.
  for (const m of mounts) step.mountpoints.push((await resolveInRoot(step.rootfs, m.Target)).inRoot);
  const mode = cmd.instr.network === 'default' ? (env.defaultNetwork ?? 'default') : cmd.instr.network;
  const network = mode === 'default' ? env.network : undefined;
  try {
    const sandbox = await network?.attach(id);
    const request: ContainerCreateRequest = {
      Image: 'build',
      Cmd: cmd.argv,
      Entrypoint: [''],
      Env: withOverrides(cmd.config.Env ?? [], cmd.buildEnv, cmd.secretEnv ?? []),
      User: cmd.config.User ?? '',
      WorkingDir: cmd.config.WorkingDir ?? '',
      HostConfig: {
        NetworkMode: mode === 'host' ? 'host' : sandbox ? 'bridge' : 'none',
        ...(mounts.length ? { Mounts: mounts } : {}),
      },
    };
    const built = await containerSpec({
      id,
      name: `build-${id.slice(0, 12)}`,
      request,
      image: { config: {} },
      rootfs: step.rootfs,
      containerDir: step.dir,
      volumes: () => {
        throw new BerthError('InvalidArgument', 'a build step cannot use volumes');
      },
      cgroupsPath: `/berth/build-${id}`,
      initBinary: env.nativeBinary,
      seccompDefault: env.seccompDefault,
      ...(sandbox
        ? {
            networkNamespace: sandbox.netns,
            addresses: sandbox.addresses,
            ...(sandbox.hostGateway ? { hostGateway: sandbox.hostGateway } : {}),
          }
        : {}),
    });
    // Owner-only: the environment in it may hold secrets (RUN --mount=type=secret,env=).
    await writeFile(join(step.dir, 'config.json'), JSON.stringify(built.spec), { mode: 0o600 });
    return await runContainer(env, id, step.dir, cmd);
  } finally {
    if (network) await network.detach(id).catch(() => {});
  }
}

async function runContainer(
  env: RunEnvironment,
  id: string,
  bundle: string,
  cmd: RunCommand,
): Promise<number> {
  const rt = env.runtime;
  await rt.create(id, bundle, { stdio: ['ignore', 'pipe', 'pipe'], keepMonitor: true });
  try {
    const handle = rt.waitHeld(id);
    if (!handle) throw new BerthError('Internal', `the build container ${id.slice(0, 12)} has no monitor`);
    const drained = Promise.all([drain(handle.stdout, cmd.output), drain(handle.stderr, cmd.output)]);
    cmd.onStart?.(id);
    cmd.signal?.throwIfAborted();
    await rt.start(id);
    const kill = () => void rt.kill(id, constants.signals.SIGKILL).catch(() => {});
    // Cancelled while it was starting: a listener added now would never be called.
    if (cmd.signal?.aborted) kill();
    else cmd.signal?.addEventListener('abort', kill, { once: true });
    try {
      const status = await handle.wait();
      await drained;
      cmd.signal?.throwIfAborted();
      return status.exitCode;
    } finally {
      cmd.signal?.removeEventListener('abort', kill);
    }
  } finally {
    await rt.delete(id, { force: true }).catch(() => {});
  }
}

const nameOf = (e: string) => e.split('=', 1)[0];

/** `base` NAME=value entries, each later list replacing the names it sets. */
function withOverrides(base: readonly string[], ...later: (readonly string[])[]): string[] {
  let out = [...base];
  for (const list of later) {
    const names = new Set(list.map(nameOf));
    out = [...out.filter((e) => !names.has(nameOf(e))), ...list];
  }
  return out;
}

function drain(stream: Readable | null, out: (chunk: Buffer) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    stream.on('data', (c: Buffer) => out(c));
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
}
