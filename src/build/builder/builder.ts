// The classic Dockerfile builder: the stages the target needs, in order, each
// instruction a step. Metadata instructions change the config (an empty_layer
// history entry); RUN, COPY, ADD and WORKDIR each add a layer (step-layer.ts).
// Progress goes out as Docker's classic builder words it (`Step 1/4 : FROM x`,
// ` ---> 3ce1ab5cce38`), and the result is one image, tagged as asked.
// Step image IDs are the digests of the config after each step; only the last
// config is stored. The build runs under a lease, so garbage collection leaves
// its layers alone until the image names them.
//
// Every step goes through the build cache (step-cache.ts, ../cache/): a step
// whose key has a record is not run again, and prints ` ---> Using cache`. Each
// step stamps the config's `created` with its own time, so the image of a build
// that came wholly from the cache is the image of the build that made the
// records: the same ID, as with Docker's classic builder. `--no-cache` skips the
// lookups (and still records); `--no-cache-filter` skips them in the stages it
// names (by name or index), and every stage built on one of those misses too.

import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { mountRootfs, unmountRootfs } from '../../engine/rootfs-mount.ts';
import { encodeImageConfig, goTime } from '../../image/config-json.ts';
import type { ImageRecord, ImageStore } from '../../image/image-store.ts';
import type { Lease } from '../../image/lease.ts';
import { writeImage } from '../../image/write-image.ts';
import type { ImageConfig } from '../../oci/descriptor.ts';
import { type Digest, digestOf } from '../../oci/digest.ts';
import { hostPlatform } from '../../oci/platform.ts';
import { familiarString, formatReference, parseReference } from '../../oci/reference.ts';
import { TRANSIENT_KEY_PREFIX } from '../../snapshot/fs-snapshotter.ts';
import { BerthError, invalidArgument } from '../../util/errors.ts';
import { type BuildCache, stepKey } from '../cache/index.ts';
import {
  type AddInstruction,
  type CopyInstruction,
  EXPANDS,
  expandInstruction,
  findStage,
  type Instruction,
  parseDockerfile,
  type Stage,
} from '../dockerfile/index.ts';
import { chownOwner, copyInto, parseChmod } from './copy-files.ts';
import { copyInputsDigest } from './copy-inputs.ts';
import { applyMetadata, commandArgv, nopCreatedBy, workdirOf } from './metadata.ts';
import { resolveInRoot } from './root-path.ts';
import { type RunEnvironment, runInRootfs } from './run-step.ts';
import { expansionEnv, runArgs, type StageState, shellOf } from './stage-state.ts';
import { cachedStep, type StepCache } from './step-cache.ts';
import { stepLayer } from './step-layer.ts';

export interface BuildOptions {
  /** The extracted build context. */
  contextDir: string;
  /** The Dockerfile's path in the context (default `Dockerfile`). */
  dockerfile?: string;
  tags?: string[];
  /** `--build-arg`s; null: named without a value (and not set in the client's environment). */
  buildArgs?: Record<string, string | null>;
  target?: string;
  /** Pull base images even when they are here. */
  pull?: boolean;
  /** `--label`s for the final image. */
  labels?: Record<string, string>;
  /** `--no-cache`: look nothing up in the build cache (results are still recorded). */
  noCache?: boolean;
  /** `--no-cache-filter`: stages (names or indexes) whose steps look nothing up. */
  noCacheFilter?: string[];
}

export interface BuildOutput {
  /** Text for the client, in Docker's stream lines. */
  stream(text: string): void;
  /** The image ID once built. */
  aux?(value: unknown): void;
}

export interface BuilderDeps {
  store: ImageStore;
  run: RunEnvironment;
  /** A directory for the build's scratch files (step bundles, mountpoints). */
  scratch: string;
  /** The image a FROM or COPY --from names: from the store, or pulled (`pull`: always pull). */
  image(reference: string, pull: boolean): Promise<ImageRecord>;
  /** The build cache; without one every step runs and nothing is recorded. */
  cache?: BuildCache;
}

export interface BuildResult {
  id: Digest;
  tags: string[];
}

/** A failed build step; `exitCode` is a RUN's non-zero status. */
export class BuildError extends BerthError {
  constructor(
    message: string,
    readonly exitCode?: number,
  ) {
    super('InvalidArgument', message);
  }
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
const configId = (c: ImageConfig) => digestOf(encodeImageConfig(c));

/** The stages `target` needs (FROM an earlier stage, COPY --from), in Dockerfile order. */
export function neededStages(stages: readonly Stage[], target: Stage, fromOf: (s: Stage) => string): Stage[] {
  const need = new Set<number>([target.index]);
  for (let i = target.index; i >= 0; i--) {
    if (!need.has(i)) continue;
    const s = stages[i];
    const refs = [fromOf(s)];
    for (const instr of s.instructions) if (instr.kind === 'COPY' && instr.from) refs.push(instr.from);
    for (const ref of refs) {
      const dep = findStage(stages.slice(0, i), ref);
      if (dep) need.add(dep.index);
    }
  }
  return stages.filter((s) => need.has(s.index));
}

export async function buildImage(
  deps: BuilderDeps,
  opts: BuildOptions,
  out: BuildOutput,
): Promise<BuildResult> {
  const dockerfilePath = opts.dockerfile || 'Dockerfile';
  const file = await resolveInRoot(opts.contextDir, dockerfilePath);
  if (!file.exists) throw new BerthError('NotFound', `Cannot locate specified Dockerfile: ${dockerfilePath}`);
  const text = await readFile(file.host, 'utf8');
  const parsed = parseDockerfile(text, { file: dockerfilePath });
  const buildArgs = new Map<string, string>();
  for (const [k, v] of Object.entries(opts.buildArgs ?? {}))
    if (v !== null && v !== undefined) buildArgs.set(k, v);
  const consumed = new Set<string>();

  // ARGs before the first FROM: usable in FROM lines, and as defaults of a stage's bare `ARG NAME`.
  const globals = new Map<string, string>();
  for (const arg of parsed.globalArgs) {
    for (const a of expandInstruction(arg, globals).args) {
      const v = buildArgs.has(a.name) ? buildArgs.get(a.name) : a.value;
      if (buildArgs.has(a.name)) consumed.add(a.name);
      if (v !== undefined) globals.set(a.name, v);
    }
  }
  const fromImage = (s: Stage) => expandInstruction(s.from, globals).image;
  let target = parsed.stages[parsed.stages.length - 1];
  if (opts.target) {
    const t = findStage(parsed.stages, opts.target);
    if (!t) throw invalidArgument(`failed to reach build target ${opts.target} in Dockerfile`);
    target = t;
  }
  const stages = neededStages(parsed.stages, target, fromImage);
  const total = stages.reduce((n, s) => n + 1 + s.instructions.length, 0);
  let step = 0;
  const built = new Map<number, StageState>();
  await mkdir(deps.scratch, { recursive: true });
  const lease = deps.store.leases.take();
  const uncached = new Set((opts.noCacheFilter ?? []).map((n) => n.toLowerCase()));
  for (const name of uncached)
    if (!parsed.stages.some((st) => st.name === name || String(st.index) === name))
      out.stream(`[Warning] --no-cache-filter: no stage named ${name}\n`);
  const stepCtx: StepContext = {
    contextDir: opts.contextDir,
    buildArgs,
    globals,
    consumed,
    built,
    stages: parsed.stages,
    lease,
    out,
    pull: opts.pull ?? false,
    cache: { cache: deps.cache, lookups: false, store: deps.store, lease },
  };
  try {
    for (const stage of stages) {
      stepCtx.cache.lookups =
        !opts.noCache && !uncached.has(stage.name ?? '') && !uncached.has(String(stage.index));
      const ref = fromImage(stage);
      out.stream(`Step ${++step}/${total} : ${stage.from.original}\n`);
      const state = await fromState(deps, ref, stage, parsed.stages, built, opts.pull ?? false, lease);
      out.stream(` ---> ${short(configId(state.config))}\n`);
      const triggers = state.config.config?.OnBuild ?? [];
      if (triggers.length) {
        out.stream(`# Executing ${triggers.length} build trigger${triggers.length === 1 ? '' : 's'}\n`);
        state.config = { ...state.config, config: { ...state.config.config, OnBuild: undefined } };
        for (const t of triggers) {
          const [instr] = parseDockerfile(`FROM scratch\n${t}\n`, { file: 'ONBUILD' }).stages[0].instructions;
          await runStep(deps, state, instr, stepCtx);
        }
      }
      if (state.config.config?.OnBuild === undefined && state.config.config)
        delete state.config.config.OnBuild;
      for (const instr of stage.instructions) {
        out.stream(`Step ${++step}/${total} : ${instr.original}\n`);
        await runStep(deps, state, instr, stepCtx);
        out.stream(` ---> ${short(configId(state.config))}\n`);
      }
      built.set(stage.index, state);
    }
    const final = built.get(target.index) as StageState;
    if (opts.labels && Object.keys(opts.labels).length) {
      const c = { ...(final.config.config ?? {}) };
      c.Labels = { ...(c.Labels ?? {}), ...opts.labels };
      final.config = { ...final.config, config: c };
    }
    const unused = [...buildArgs.keys()].filter((k) => !consumed.has(k) && !PREDEFINED_ARGS.has(k));
    if (unused.length)
      out.stream(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    const names = (opts.tags ?? []).map((t) => formatReference(parseReference(t)));
    // The last step's time (see the header); a stage of no steps is made now.
    const created = final.config.created ?? goTime();
    const image = await writeImage(deps.store, { ...final.config, created }, final.layers, {
      names,
      parent: final.baseImageId,
    });
    out.aux?.({ ID: image.id });
    out.stream(`Successfully built ${short(image.id)}\n`);
    for (const n of names) out.stream(`Successfully tagged ${familiarString(parseReference(n))}\n`);
    return { id: image.id, tags: names };
  } finally {
    lease.release();
  }
}

/** Build args Docker accepts without an ARG (proxies). */
const PREDEFINED_ARGS = new Set(
  ['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap((n) => [n, n.toLowerCase()]),
);

/** The state a stage starts from: an image, scratch, or an earlier stage's result. */
async function fromState(
  deps: BuilderDeps,
  ref: string,
  stage: Stage,
  stages: readonly Stage[],
  built: Map<number, StageState>,
  pull: boolean,
  lease: Lease,
): Promise<StageState> {
  const earlier = findStage(stages.slice(0, stage.index), ref);
  if (earlier) {
    const s = built.get(earlier.index);
    if (!s) throw new BerthError('Internal', `stage ${ref} was not built before stage ${stage.index}`);
    return { ...s, config: structuredClone(s.config), layers: [...s.layers], args: new Map(), cmdSet: false };
  }
  if (ref.toLowerCase() === 'scratch') {
    const p = hostPlatform();
    return {
      config: {
        architecture: p.architecture,
        os: p.os,
        ...(p.variant ? { variant: p.variant } : {}),
        config: { Env: [`PATH=${DEFAULT_PATH}`] },
        rootfs: { type: 'layers', diff_ids: [] },
        history: [],
      },
      layers: [],
      args: new Map(),
      cmdSet: false,
    };
  }
  if (!ref) throw invalidArgument(`base name (${stage.from.image}) should not be blank`);
  const image = await deps.image(ref, pull);
  const config = await deps.store.readConfig(image);
  const manifest = await deps.store.readManifest(image);
  for (const l of manifest.layers) lease.add(l.digest);
  const chainId = (await deps.store.topSnapshot(image)) as Digest | undefined;
  if (chainId) lease.add(chainId);
  const { created: _c, ...rest } = config;
  return {
    config: { ...rest, history: config.history ?? [] },
    layers: manifest.layers.map((l) => ({ ...l, mediaType: OCI_TYPES[l.mediaType] ?? l.mediaType })),
    chainId,
    args: new Map(),
    cmdSet: false,
    baseImageId: image.id,
  };
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** berth writes OCI manifests: Docker media types of a base image's layers become OCI's. */
const OCI_TYPES: Record<string, string> = {
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.diff.tar': 'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip':
    'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
};

interface StepContext {
  contextDir: string;
  buildArgs: Map<string, string>;
  globals: Map<string, string>;
  consumed: Set<string>;
  built: Map<number, StageState>;
  stages: readonly Stage[];
  lease: Lease;
  out: BuildOutput;
  pull: boolean;
  cache: StepCache;
}

function addHistory(s: StageState, createdBy: string, empty: boolean): void {
  const created = goTime();
  s.config = {
    ...s.config,
    created,
    history: [
      ...(s.config.history ?? []),
      { created, created_by: createdBy, ...(empty ? { empty_layer: true } : {}) },
    ],
  };
}

/** Run a step through the cache (step-cache.ts), telling the client of a hit as Docker does. */
async function cached(
  ctx: StepContext,
  s: StageState,
  key: Digest,
  kind: string,
  work: () => Promise<void>,
): Promise<boolean> {
  const hit = await cachedStep(ctx.cache, s, key, kind, work);
  if (hit) ctx.out.stream(' ---> Using cache\n');
  return hit;
}

async function runStep(deps: BuilderDeps, s: StageState, raw: Instruction, ctx: StepContext): Promise<void> {
  if (raw.kind === 'FROM') throw invalidArgument('FROM cannot be used as an ONBUILD trigger');
  const instr = EXPANDS[raw.kind] ? expandInstruction(raw, expansionEnv(s)) : raw;
  if (instr.kind === 'RUN') return runCommand(deps, s, instr, ctx);
  if (instr.kind === 'COPY' || instr.kind === 'ADD') return copyStep(deps, s, instr, ctx);
  if (instr.kind === 'ARG') {
    // The values go in the stage's scope, hit or miss; only the declaration is in the step's result.
    for (const a of instr.args) {
      let value = a.value;
      if (ctx.buildArgs.has(a.name)) {
        value = ctx.buildArgs.get(a.name);
        ctx.consumed.add(a.name);
      } else if (value === undefined) value = ctx.globals.get(a.name);
      s.args.set(a.name, value);
    }
  }
  // ENTRYPOINT keeps a CMD of this stage and drops an inherited one.
  const inputs = instr.kind === 'ENTRYPOINT' ? { cmdSet: s.cmdSet } : undefined;
  const key = stepKey({ parent: configId(s.config), instruction: instr, inputs });
  const hit = await cached(ctx, s, key, instr.kind, async () => {
    if (instr.kind === 'ARG') {
      const text = instr.args.map((a) => (a.value === undefined ? a.name : `${a.name}=${a.value}`));
      addHistory(s, nopCreatedBy(s, `ARG ${text.join(' ')}`), true);
      return;
    }
    const nop = applyMetadata(s, instr);
    if (nop !== undefined) {
      addHistory(s, nopCreatedBy(s, nop), true);
      return;
    }
    if (instr.kind !== 'WORKDIR') throw new BerthError('Internal', `no step for ${instr.kind}`);
    const dir = workdirOf(s, instr.path);
    await layerStep(deps, s, ctx, nopCreatedBy(s, `WORKDIR ${dir}`), async ({ rootfs }) => {
      await ensureWorkdir(rootfs, dir);
    });
    s.config = { ...s.config, config: { ...s.config.config, WorkingDir: dir } };
  });
  if (hit && instr.kind === 'CMD') s.cmdSet = true;
}

async function ensureWorkdir(rootfs: string, dir: string): Promise<void> {
  let at = '/';
  for (const name of dir.split('/').filter(Boolean)) {
    const r = await resolveInRoot(rootfs, posix.join(at, name));
    if (!r.exists) await mkdir(r.host, { mode: 0o755 });
    at = r.inRoot;
  }
}

async function layerStep(
  deps: BuilderDeps,
  s: StageState,
  ctx: StepContext,
  createdBy: string,
  work: Parameters<typeof stepLayer>[4],
): Promise<void> {
  const layer = await stepLayer(deps.store, s.chainId, deps.scratch, ctx.lease, work);
  s.layers = [...s.layers, layer.descriptor];
  s.chainId = layer.chainId;
  s.config = {
    ...s.config,
    rootfs: { type: 'layers', diff_ids: [...s.config.rootfs.diff_ids, layer.diffId] },
  };
  addHistory(s, createdBy, false);
}

async function runCommand(
  deps: BuilderDeps,
  s: StageState,
  instr: Extract<Instruction, { kind: 'RUN' }>,
  ctx: StepContext,
): Promise<void> {
  let argv = commandArgv(instr.command, shellOf(s));
  if (instr.command.form === 'shell' && instr.heredocs.length) {
    // `RUN <<EOF`: the heredoc body is the script.
    const body = instr.heredocs.map((h) => h.content).join('');
    if (instr.command.script.trim().startsWith('<<')) argv = [...shellOf(s), body];
  }
  const args = runArgs(s);
  const buildEnv = args.map(([k, v]) => `${k}=${v}`);
  const cmdText = argv.join(' ');
  const createdBy = buildEnv.length ? `|${buildEnv.length} ${buildEnv.join(' ')} ${cmdText}` : cmdText;
  let containerId = '';
  let code = 0;
  const key = stepKey({ parent: configId(s.config), instruction: instr, inputs: { buildEnv } });
  await cached(ctx, s, key, 'RUN', () =>
    layerStep(deps, s, ctx, createdBy, async (step) => {
      code = await runInRootfs(deps.run, step, {
        instr,
        argv,
        config: s.config.config ?? {},
        buildEnv,
        output: (chunk) => ctx.out.stream(chunk.toString('utf8')),
        onStart: (id) => {
          containerId = id;
          ctx.out.stream(` ---> Running in ${short(id)}\n`);
        },
      });
      if (code !== 0)
        throw new BuildError(`The command '${cmdText}' returned a non-zero code: ${code}`, code);
    }),
  );
  if (containerId) ctx.out.stream(`Removing intermediate container ${short(containerId)}\n`);
}

async function copyStep(
  deps: BuilderDeps,
  s: StageState,
  instr: CopyInstruction | AddInstruction,
  ctx: StepContext,
): Promise<void> {
  const what = instr.kind;
  for (const src of instr.sources) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(src)) {
      if (what === 'ADD')
        throw new BerthError('NotImplemented', `ADD ${src}: remote URLs are not supported yet`);
    }
  }
  if (what === 'ADD' && instr.checksum)
    throw new BerthError('NotImplemented', 'ADD --checksum is not supported yet');
  const mode = parseChmod(instr.chmod);
  const workdir = s.config.config?.WorkingDir || '/';
  const destIsDir = instr.dest.endsWith('/') || instr.dest === '.' || instr.dest.endsWith('/.');
  const dest = posix.resolve(workdir, instr.dest);
  const from = instr.kind === 'COPY' ? instr.from : undefined;
  const createdBy = `${shellOf(s).join(' ')} #(nop) ${what} ${[...instr.sources, ...instr.heredocs.map((h) => `<<${h.name}`)].join(' ')} in ${instr.dest} `;
  // The files read: the context's, by content; another stage's or an image's, by their chain of diff IDs.
  const source = from === undefined ? undefined : await sourceSnapshot(deps, from, ctx);
  const inputs =
    source === undefined
      ? { context: instr.sources.length ? await copyInputsDigest(ctx.contextDir, instr.sources) : '' }
      : { from: source.chainId ?? 'empty' };
  const key = stepKey({ parent: configId(s.config), instruction: instr, inputs });
  await cached(ctx, s, key, what, () =>
    withSourceRoot(deps, source, ctx, async (srcRoot) => {
      // Heredoc sources are written as files of a scratch context of their own.
      let heredocRoot: string | undefined;
      if (instr.heredocs.length) {
        heredocRoot = join(deps.scratch, `heredoc-${randomUUID()}`);
        await mkdir(heredocRoot, { recursive: true });
        const { writeFile } = await import('node:fs/promises');
        for (const h of instr.heredocs)
          await writeFile(join(heredocRoot, posix.basename(h.name)), h.content, { mode: 0o644 });
      }
      try {
        await layerStep(deps, s, ctx, createdBy, async ({ rootfs }) => {
          const owner = await chownOwner(rootfs, instr.chown);
          const base = { dest, destIsDir, owner, mode, unpack: what === 'ADD', what };
          if (instr.sources.length)
            await copyInto(rootfs, {
              ...base,
              srcRoot,
              sources: instr.sources,
              destIsDir: destIsDir || instr.sources.length + instr.heredocs.length > 1,
            });
          if (heredocRoot)
            await copyInto(rootfs, {
              ...base,
              srcRoot: heredocRoot,
              sources: instr.heredocs.map((h) => posix.basename(h.name)),
              destIsDir: destIsDir || instr.sources.length + instr.heredocs.length > 1,
              unpack: false,
            });
        });
      } finally {
        if (heredocRoot) await rm(heredocRoot, { recursive: true, force: true });
      }
    }),
  );
}

/** The files of COPY --from: an earlier stage's or an image's (its top snapshot; none for no layers). */
async function sourceSnapshot(
  deps: BuilderDeps,
  from: string,
  ctx: StepContext,
): Promise<{ chainId?: Digest }> {
  const stage = findStage(ctx.stages, from);
  if (stage) {
    const s = ctx.built.get(stage.index);
    if (!s) throw invalidArgument(`COPY --from=${from}: stage ${from} is not built before this stage`);
    return { chainId: s.chainId };
  }
  const image = await deps.image(from, ctx.pull);
  const chainId = (await deps.store.topSnapshot(image)) as Digest | undefined;
  if (chainId) ctx.lease.add(chainId);
  return { chainId };
}

/** The files COPY reads: the context, or an earlier stage's or an image's root filesystem (mounted read-only). */
async function withSourceRoot(
  deps: BuilderDeps,
  source: { chainId?: Digest } | undefined,
  ctx: StepContext,
  use: (root: string) => Promise<void>,
): Promise<void> {
  if (source === undefined) return use(ctx.contextDir);
  const { chainId } = source;
  const dir = join(deps.scratch, `from-${randomUUID()}`);
  const root = join(dir, 'rootfs');
  await mkdir(root, { recursive: true });
  const key = `${TRANSIENT_KEY_PREFIX}build-view-${randomUUID()}`;
  try {
    if (chainId) await mountRootfs(await deps.store.snapshots.view(key, chainId), root);
    await use(root);
  } finally {
    await unmountRootfs(root);
    if (chainId) await deps.store.snapshots.remove(key).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}
