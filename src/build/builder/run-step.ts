// RUN: the command runs in a throwaway container on the stage's layers, with the
// stage's environment plus the build args in scope (not kept in the image), its
// user and working directory, and the build's own network: `RUN --network=host`
// shares the host's; the default and `none` give it a network namespace with only
// loopback (berth has no bridge yet, so a default that reached the outside would
// have to be the host's, which a build should not get unasked). Its output is the
// build's output; its upper directory becomes the step's layer (step-layer.ts).
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ContainerCreateRequest } from '../../engine/container-config.ts';
import { containerSpec } from '../../engine/spec/index.ts';
import type { BerthRuntime } from '../../runtime/runc/berth-runtime.ts';
import type { DockerSeccompProfile } from '../../runtime/seccomp/index.ts';
import { BerthError } from '../../util/errors.ts';
import type { RunInstruction } from '../dockerfile/index.ts';
import type { StepRootfs } from './step-layer.ts';

export interface RunEnvironment {
  runtime: BerthRuntime;
  nativeBinary?: string;
  seccompDefault?: DockerSeccompProfile;
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
}

/** Run the command in `step`'s rootfs; resolves with its exit code. */
export async function runInRootfs(env: RunEnvironment, step: StepRootfs, cmd: RunCommand): Promise<number> {
  const id = randomBytes(32).toString('hex');
  const request: ContainerCreateRequest = {
    Image: 'build',
    Cmd: cmd.argv,
    Entrypoint: [''],
    Env: [
      ...(cmd.config.Env ?? []).filter((e) => !cmd.buildEnv.some((b) => sameName(b, e))),
      ...cmd.buildEnv,
    ],
    User: cmd.config.User ?? '',
    WorkingDir: cmd.config.WorkingDir ?? '',
    HostConfig: { NetworkMode: cmd.instr.network === 'host' ? 'host' : 'none' },
  };
  if (cmd.instr.security === 'insecure')
    throw new BerthError('NotImplemented', 'RUN --security=insecure is not supported by berth');
  if (cmd.instr.mounts.length)
    throw new BerthError(
      'NotImplemented',
      `RUN --mount is not supported by berth's builder yet (${cmd.instr.original})`,
    );
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
  });
  await writeFile(join(step.dir, 'config.json'), JSON.stringify(built.spec));
  const rt = env.runtime;
  await rt.create(id, step.dir, { stdio: ['ignore', 'pipe', 'pipe'], keepMonitor: true });
  try {
    const handle = rt.waitHeld(id);
    if (!handle) throw new BerthError('Internal', `the build container ${id.slice(0, 12)} has no monitor`);
    const drained = Promise.all([drain(handle.stdout, cmd.output), drain(handle.stderr, cmd.output)]);
    cmd.onStart?.(id);
    await rt.start(id);
    const status = await handle.wait();
    await drained;
    return status.exitCode;
  } finally {
    await rt.delete(id, { force: true }).catch(() => {});
  }
}

const sameName = (a: string, b: string) => a.split('=', 1)[0] === b.split('=', 1)[0];

function drain(stream: Readable | null, out: (chunk: Buffer) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    stream.on('data', (c: Buffer) => out(c));
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
}
