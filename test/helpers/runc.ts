// Shared by the berth-runc tests and benchmark: a busybox bundle with a runc-style
// config.json, and running berth-runc (or runc) on it with a private --root.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DockerSeccompProfile } from '../../src/runtime/seccomp/profile.ts';
import { hostArch, parseKernelVersion, resolveProfile } from '../../src/runtime/seccomp/profile.ts';
import { runcSpec } from '../../src/runtime/spec/defaults.ts';
import type { Spec } from '../../src/runtime/spec/types.ts';
import { ensureBuilt, REPO } from './berth.ts';
import { makeBusyboxRootfs } from './busybox.ts';

export const BERTH_RUNC = join(REPO, 'bin', 'berth-runc');

export function runcMissing(): string | undefined {
  return spawnSync('runc', ['--version']).status === 0 ? undefined : 'runc not installed';
}

/** A bundle in `dir`: busybox rootfs and runc's spec with `args`, no terminal, writable rootfs. */
export function makeBundle(dir: string, args: string[], edit?: (spec: Spec) => void): string {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'rootfs'))) makeBusyboxRootfs(join(dir, 'rootfs'));
  const spec = runcSpec();
  spec.process!.terminal = false;
  spec.process!.args = args;
  spec.root!.readonly = false;
  edit?.(spec);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
  return dir;
}

export function readSpec(dir: string): Spec {
  return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Spec;
}

export interface CmdResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the runtime with stdout and stderr in files: a detached container inherits them
 * (runc's pass-through stdio), so pipes would stay open as long as it runs.
 */
export function runtimeCmd(
  bin: string,
  root: string,
  args: string[],
  opts: { cwd?: string } = {},
): CmdResult {
  const dir = mkdtempSync(join(tmpdir(), 'berth-runc-out-'));
  const out = openSync(join(dir, 'out'), 'w+');
  const err = openSync(join(dir, 'err'), 'w+');
  try {
    const r = spawnSync(bin, ['--root', root, ...args], {
      cwd: opts.cwd,
      stdio: ['ignore', out, err],
      timeout: 120_000,
    });
    return {
      status: r.status ?? 128 + 9,
      stdout: readFileSync(join(dir, 'out'), 'utf8'),
      stderr: readFileSync(join(dir, 'err'), 'utf8'),
    };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function ensureRuncBuilt(): void {
  ensureBuilt();
}

/** Docker's default seccomp profile, resolved for the spec's capabilities, as its linux.seccomp. */
export function dockerDefaultSeccomp(spec: Spec): void {
  const profile = JSON.parse(
    readFileSync(join(REPO, '..', 'shared', 'conformance', 'seccomp', 'default.json'), 'utf8'),
  ) as DockerSeccompProfile;
  const caps = spec.process?.capabilities?.bounding ?? [];
  const resolved = resolveProfile(profile, {
    capabilities: caps,
    arch: hostArch(),
    kernel: parseKernelVersion(readFileSync('/proc/sys/kernel/osrelease', 'utf8')),
  });
  spec.linux = { ...(spec.linux ?? {}), seccomp: resolved as NonNullable<Spec['linux']>['seccomp'] };
}
