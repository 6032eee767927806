// RUN --mount: what each mount type gives the step's container, as BuildKit gives
// it. Every mount is a mount of the container (its spec's mounts), never files
// copied into its root filesystem, so nothing of it lands in the step's layer; a
// target made only for the mount is left out of the layer too (mount-artefacts.ts).
//
// - bind: a file or directory of the build context (default), of an earlier stage
//   or of an image (`from=`); `source` is the path in it (its root by default),
//   resolved inside it (symlinks cannot leave it). Read-only unless `rw`; a
//   writable one writes into a throwaway overlay (or copy) on top, discarded after
//   the step: the context and the stage stay as they were.
// - cache: a directory of the daemon's (../cache/cache-mounts.ts) kept across
//   steps, builds and restarts; `id` (default: the target) names it, `sharing`
//   says how concurrent users share it, `mode`/`uid`/`gid` apply to a new one,
//   `from` seeds a new one with that stage's or image's `source` directory (a
//   cache of its own for each seed); without `from`, `source` is the directory
//   of the cache to mount. `ro` mounts it read-only.
// - tmpfs: an empty tmpfs, `size` bytes at most.
// - secret: a secret of the build (build-secrets.ts) as a read-only file at
//   `target` (default /run/secrets/<id>) with `mode` (0400), `uid`, `gid` (0);
//   with `env=NAME`, its value is also the RUN's variable NAME, and then only a
//   `target` given makes a file. A missing secret fails the step when
//   `required`, else the mount (and the variable) is left out.
// - ssh: refused; berth forwards no SSH agent.
//
// Relative targets are relative to the working directory, as in BuildKit. The
// step's cache key (builder.ts) covers each mount's spec (it is part of the
// instruction) and, for a bind mount, what it mounts: the context's files by
// their content (as COPY's inputs), a stage's or image's by their snapshot.
// Secrets count by ID only, never by value; cache mounts' contents not at all.
// Errors name the Dockerfile line.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import type { MountSpec } from '../../engine/container-config.ts';
import { mountRootfs, unmountRootfs } from '../../engine/rootfs-mount.ts';
import type { ImageStore } from '../../image/image-store.ts';
import type { Digest } from '../../oci/digest.ts';
import { TRANSIENT_KEY_PREFIX } from '../../snapshot/fs-snapshotter.ts';
import { asBerthError, BerthError, isBerthError } from '../../util/errors.ts';
import type { CacheMounts, CacheSharing } from '../cache/index.ts';
import { DockerfileError, type RunInstruction, type RunMount } from '../dockerfile/index.ts';
import { type BuildSecrets, writeSecretFile } from './build-secrets.ts';
import { copyInputsDigest } from './copy-inputs.ts';
import { resolveInRoot } from './root-path.ts';

const run = promisify(execFile);

export interface RunMountSources {
  /** The extracted build context. */
  contextDir: string;
  /** The committed snapshot of the stage or image `from=` names; undefined when it has no layers. */
  snapshotOf(from: string): Promise<Digest | undefined>;
  store: ImageStore;
  /** Scratch space for views, overlays and copies. */
  scratch: string;
  /** The daemon's cache mounts; without them a cache mount is an empty directory for the step. */
  cacheMounts?: CacheMounts;
  secrets?: BuildSecrets;
  /** A private directory for secret files (default: under `scratch`). */
  secretsDir?: string;
}

/** One checked mount of a RUN. */
export interface PlannedMount {
  mount: RunMount;
  /** In the container: absolute and clean; '' for a secret that is only a variable. */
  target: string;
  /** bind and cache with `from=`: the snapshot it reads (undefined: no layers). */
  from?: { name: string; chainId?: Digest };
  /** secret: its ID; cache: its key. */
  id?: string;
}

export interface RunMountPlan {
  mounts: PlannedMount[];
  /** What the mounts read beyond their specs, for the step's cache key; undefined without mounts. */
  inputs?: unknown[];
}

/** The mounts of the step's container, with what holds them until the step is done. */
export interface RunMounts {
  specs: MountSpec[];
  /** NAME=value of the secrets mounted as variables: for the process only, never the image. */
  env: string[];
  release(): Promise<void>;
}

export const DEFAULT_SECRET_MODE = 0o400;
const DEFAULT_CACHE_MODE = 0o755;

/** An error of this RUN, with its place in the Dockerfile. */
export function runError(instr: RunInstruction, detail: string, cause?: unknown): DockerfileError {
  const { file, startLine, column, endLine } = instr.location;
  return new DockerfileError(
    file,
    { line: startLine, column, endLine },
    `${instr.original}: ${detail}`,
    undefined,
    cause ? { cause } : undefined,
  );
}

/** Any error of setting up the RUN's mounts, with its place in the Dockerfile (and its code). */
function withLine(instr: RunInstruction, err: unknown): BerthError {
  if (err instanceof DockerfileError) return err;
  const e = asBerthError(err);
  const { file, startLine, column } = instr.location;
  return new BerthError(e.code, `${file}:${startLine}:${column}: ${instr.original}: ${e.message}`, {
    cause: err,
  });
}

/** The secret's ID: `id`, else `source`, else the target's last name (BuildKit's order). */
export function secretIdOf(m: RunMount): string {
  return m.id || m.source || posix.basename(m.target ?? '');
}

/** Check the RUN's mounts and find what they read; nothing is mounted yet. */
export async function planRunMounts(
  instr: RunInstruction,
  workdir: string,
  src: RunMountSources,
): Promise<RunMountPlan> {
  if (!instr.mounts.length) return { mounts: [] };
  const mounts: PlannedMount[] = [];
  const inputs: unknown[] = [];
  const targets = new Set<string>();
  for (const m of instr.mounts) {
    if (m.type === 'ssh')
      throw runError(
        instr,
        '--mount=type=ssh is not supported: berth forwards no SSH agent into builds (use --mount=type=secret for a key)',
      );
    const id = m.type === 'secret' ? secretIdOf(m) : undefined;
    const written =
      m.target || (m.type === 'secret' && !m.env ? `/run/secrets/${posix.basename(id ?? '')}` : '');
    if (!written) {
      mounts.push({ mount: m, target: '', ...(id ? { id } : {}) });
      inputs.push(null);
      continue;
    }
    const target = posix.resolve('/', workdir || '/', written);
    if (target === '/') throw runError(instr, `--mount=type=${m.type}: cannot mount on /`);
    if (targets.has(target)) throw runError(instr, `--mount: ${target} is the target of two mounts`);
    targets.add(target);
    const planned: PlannedMount = { mount: m, target, ...(id ? { id } : {}) };
    if ((m.type === 'bind' || m.type === 'cache') && m.from !== undefined) {
      let chainId: Digest | undefined;
      try {
        chainId = await src.snapshotOf(m.from);
      } catch (err) {
        throw runError(instr, `--mount from=${m.from}: ${(err as Error).message}`, err);
      }
      planned.from = { name: m.from, ...(chainId ? { chainId } : {}) };
    }
    if (m.type === 'bind') {
      if (planned.from) inputs.push({ from: planned.from.chainId ?? 'empty', source: m.source ?? '/' });
      else {
        const r = await resolveInRoot(src.contextDir, m.source ?? '/').catch((err) => {
          throw runError(instr, `--mount source=${m.source}: ${(err as Error).message}`, err);
        });
        if (!r.exists) throw runError(instr, `--mount source=${m.source}: not found in the build context`);
        inputs.push({ context: await copyInputsDigest(src.contextDir, [r.inRoot]) });
      }
    } else if (m.type === 'cache') {
      const base = m.id || target;
      const seed = planned.from
        ? `${planned.from.chainId ?? 'empty'}:${posix.resolve('/', m.source ?? '/')}`
        : '';
      planned.id = seed ? `${base}\nfrom ${seed}` : base;
      inputs.push(planned.from ? { from: planned.from.chainId ?? 'empty' } : null);
    } else inputs.push(null);
    mounts.push(planned);
  }
  // Outer targets first: a mount inside another's target goes on top of it.
  mounts.sort((a, b) => depth(a.target) - depth(b.target));
  return { mounts, inputs };
}

const depth = (p: string) => p.split('/').length;

/** Set up the planned mounts for one run of the step; `release` undoes all of it. */
export async function mountRunMounts(
  instr: RunInstruction,
  plan: RunMountPlan,
  src: RunMountSources,
): Promise<RunMounts> {
  const undo: (() => Promise<void>)[] = [];
  const release = async () => {
    for (const u of undo.splice(0).reverse()) await u().catch(() => {});
  };
  const specs: MountSpec[] = [];
  const env: string[] = [];
  try {
    for (const p of plan.mounts) {
      if (p.mount.type === 'secret') {
        const value = secretValue(instr, p, src);
        if (value && p.mount.env) {
          if (value.includes(0))
            throw runError(
              instr,
              `secret ${p.id} holds a NUL byte: it cannot be the variable ${p.mount.env}`,
            );
          env.push(`${p.mount.env}=${value.toString('utf8')}`);
        }
        if (!value || !p.target) continue;
      }
      const spec = await mountOne(instr, p, src, undo);
      if (spec) specs.push(spec);
    }
  } catch (err) {
    await release();
    throw withLine(instr, err);
  }
  return { specs, env, release };
}

/** The secret a mount names; undefined when it was not given and is not required. */
function secretValue(instr: RunInstruction, p: PlannedMount, src: RunMountSources): Buffer | undefined {
  const value = src.secrets?.get(p.id ?? '');
  if (!value && p.mount.required)
    throw runError(instr, `secret ${p.id} not found: give it with --secret id=${p.id},src=…`);
  return value;
}

async function mountOne(
  instr: RunInstruction,
  p: PlannedMount,
  src: RunMountSources,
  undo: (() => Promise<void>)[],
): Promise<MountSpec | undefined> {
  const m = p.mount;
  const bind = (source: string, readOnly: boolean): MountSpec => ({
    Type: 'bind',
    Source: source,
    Target: p.target,
    ReadOnly: readOnly,
    BindOptions: { Propagation: 'rprivate' },
  });
  switch (m.type) {
    case 'tmpfs':
      return { Type: 'tmpfs', Target: p.target, ...(m.size ? { TmpfsOptions: { SizeBytes: m.size } } : {}) };
    case 'secret': {
      const value = secretValue(instr, p, src);
      if (!value) return undefined;
      const file = await writeSecretFile(src.secretsDir ?? join(src.scratch, 'secrets'), value, {
        mode: m.mode ?? DEFAULT_SECRET_MODE,
        uid: m.uid ?? 0,
        gid: m.gid ?? 0,
      });
      undo.push(() => rm(file, { force: true }));
      return bind(file, true);
    }
    case 'bind': {
      const root = p.from ? await snapshotRoot(src, p.from.chainId, undo) : src.contextDir;
      const r = await resolveInRoot(root, m.source ?? '/');
      if (!r.exists) {
        const where = p.from ? `stage or image ${p.from.name}` : 'the build context';
        throw runError(instr, `--mount source=${m.source}: not found in ${where}`);
      }
      if (m.readOnly) return bind(r.host, true);
      return bind(await writableCopy(r.host, src.scratch, undo), false);
    }
    case 'cache': {
      const dir = await cacheDir(instr, p, src, undo);
      return bind(dir, m.readOnly);
    }
    default:
      throw runError(instr, `--mount=type=${m.type} is not supported`);
  }
}

/** The cache mount's directory for this step, held until the step is done. */
async function cacheDir(
  instr: RunInstruction,
  p: PlannedMount,
  src: RunMountSources,
  undo: (() => Promise<void>)[],
): Promise<string> {
  const m = p.mount;
  const seedFrom = p.from;
  // With `from`, a new cache starts as a copy of that stage's `source` directory. (BuildKit
  // bases it on the whole stage and mounts `source` of it: what the step sees is the same.)
  const seed = seedFrom
    ? async (dir: string) => {
        const seedUndo: (() => Promise<void>)[] = [];
        try {
          const root = await snapshotRoot(src, seedFrom.chainId, seedUndo);
          const r = await resolveInRoot(root, m.source ?? '/');
          if (!r.exists) return;
          if (!(await lstat(r.host)).isDirectory())
            throw runError(
              instr,
              `--mount=type=cache source=${m.source}: not a directory in ${seedFrom.name}`,
            );
          await run('cp', ['-a', `${r.host}/.`, dir]);
        } finally {
          for (const u of seedUndo.reverse()) await u().catch(() => {});
        }
      }
    : undefined;
  let base: string;
  if (src.cacheMounts) {
    const lease = await src.cacheMounts.acquire({
      key: p.id ?? p.target,
      sharing: (m.sharing ?? 'shared') as CacheSharing,
      mode: m.mode ?? DEFAULT_CACHE_MODE,
      uid: m.uid ?? 0,
      gid: m.gid ?? 0,
      ...(seed ? { seed } : {}),
    });
    undo.push(() => lease.release());
    base = lease.path;
  } else {
    // No store of cache mounts: the step gets a fresh directory that goes with it.
    base = join(src.scratch, `cache-${randomUUID()}`);
    await mkdir(base, { mode: m.mode ?? DEFAULT_CACHE_MODE });
    undo.push(() => rm(base, { recursive: true, force: true }));
    if (seed) await seed(base);
  }
  if (!m.source || seedFrom) return base;
  // Without `from`, `source` is a directory of the cache.
  const r = await resolveInRoot(base, m.source);
  if (!r.exists) await mkdir(r.host, { recursive: true, mode: 0o755 });
  else if (!(await lstat(r.host)).isDirectory())
    throw runError(instr, `--mount=type=cache source=${m.source}: not a directory`);
  return r.host;
}

/** A read-only view of a committed snapshot, mounted in scratch (an empty directory for none). */
async function snapshotRoot(
  src: RunMountSources,
  chainId: Digest | undefined,
  undo: (() => Promise<void>)[],
): Promise<string> {
  const dir = join(src.scratch, `mount-from-${randomUUID()}`);
  const root = join(dir, 'rootfs');
  await mkdir(root, { recursive: true });
  undo.push(() => rm(dir, { recursive: true, force: true }));
  if (!chainId) return root;
  const key = `${TRANSIENT_KEY_PREFIX}build-mount-${randomUUID()}`;
  const mounts = await src.store.snapshots.view(key, chainId);
  undo.push(() => src.store.snapshots.remove(key));
  await mountRootfs(mounts, root);
  undo.push(() => unmountRootfs(root));
  return root;
}

/**
 * A writable stand-in for `host` whose writes go nowhere that lasts: an overlay
 * with `host` as its lower layer, or, where overlay cannot be mounted, a copy.
 */
async function writableCopy(host: string, scratch: string, undo: (() => Promise<void>)[]): Promise<string> {
  const dir = join(scratch, `mount-rw-${randomUUID()}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  undo.push(() => rm(dir, { recursive: true, force: true }));
  const st = await lstat(host);
  if (!st.isDirectory()) {
    const file = join(dir, 'file');
    await run('cp', ['-a', host, file]);
    return file;
  }
  const merged = join(dir, 'merged');
  const upper = join(dir, 'upper');
  const work = join(dir, 'work');
  await Promise.all([mkdir(merged), mkdir(upper), mkdir(work)]);
  const plainPath = (p: string) => !/[,:\\]/.test(p);
  if (plainPath(host) && plainPath(dir)) {
    try {
      await mountRootfs(
        [
          {
            type: 'overlay',
            source: 'overlay',
            options: [`lowerdir=${host}`, `upperdir=${upper}`, `workdir=${work}`],
          },
        ],
        merged,
      );
      undo.push(() => unmountRootfs(merged));
      return merged;
    } catch (err) {
      if (!isBerthError(err)) throw err;
    }
  }
  await run('cp', ['-a', `${host}/.`, merged]);
  return merged;
}
