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
//
// Stages form a graph (stage-graph.ts): only those the target needs are built,
// and independent ones at the same time (stage-scheduler.ts, which also keeps the
// output in Dockerfile order). COPY and ADD are copy-step.ts. SOURCE_DATE_EPOCH
// makes builds reproducible (source-date-epoch.ts); platforms are the host's
// (build-platform.ts).

import { mkdir, readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { encodeImageConfig } from '../../image/config-json.ts';
import type { ImageRecord, ImageStore } from '../../image/image-store.ts';
import type { Lease } from '../../image/lease.ts';
import { writeImage } from '../../image/write-image.ts';
import type { ImageConfig } from '../../oci/descriptor.ts';
import { type Digest, digestOf } from '../../oci/digest.ts';
import { hostPlatform } from '../../oci/platform.ts';
import { familiarString, formatReference, parseReference } from '../../oci/reference.ts';
import { BerthError, invalidArgument } from '../../util/errors.ts';
import { type BuildCache, type CacheMounts, stepKey } from '../cache/index.ts';
import {
  type AddInstruction,
  type CopyInstruction,
  EXPANDS,
  expandInstruction,
  findStage,
  type Instruction,
  parseDockerfile,
  type RunInstruction,
  type Stage,
} from '../dockerfile/index.ts';
import { checkBuildPlatform, platformArgs } from './build-platform.ts';
import type { BuildSecrets } from './build-secrets.ts';
import { copyStep as copyFilesStep, sourceSnapshot as snapshotOfSource } from './copy-step.ts';
import { applyMetadata, commandArgv, nopCreatedBy, workdirOf } from './metadata.ts';
import { resolveInRoot } from './root-path.ts';
import { mountRunMounts, planRunMounts, type RunMountSources } from './run-mounts.ts';
import { type RunEnvironment, runInRootfs } from './run-step.ts';
import { parseSourceDateEpoch, SOURCE_DATE_EPOCH, stepTime } from './source-date-epoch.ts';
import { neededStages, stageDependencies, stageRefs, staticFromResolver } from './stage-graph.ts';
import { runStageJobs, type StageJob } from './stage-scheduler.ts';
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
  /** Independent stages built at once (stage-scheduler.ts); 1 builds in Dockerfile order. */
  parallelStages?: number;
  /** `--secret`s, for RUN --mount=type=secret (build-secrets.ts). */
  secrets?: BuildSecrets;
  /** Cancels the build: no step starts after it aborts, and a running RUN is killed. */
  signal?: AbortSignal;
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
  /** Where RUN --mount=type=cache directories persist; without it each step gets an empty one. */
  cacheMounts?: CacheMounts;
  /** A private directory (best on tmpfs) for the secret files of RUN steps; default under `scratch`. */
  secretsDir?: string;
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

export { neededStages } from './stage-graph.ts';

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

  // SOURCE_DATE_EPOCH (source-date-epoch.ts) is a build arg no ARG has to declare.
  const epoch = parseSourceDateEpoch(buildArgs.get(SOURCE_DATE_EPOCH));
  if (buildArgs.has(SOURCE_DATE_EPOCH)) consumed.add(SOURCE_DATE_EPOCH);

  // ARGs before the first FROM: usable in FROM lines, and as defaults of a stage's bare `ARG NAME`;
  // the automatic platform ARGs are there from the start (build-platform.ts).
  const globals = platformArgs();
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
  const refsOf = (s: Stage) => stageRefs(s, fromImage, staticFromResolver(globals, buildArgs), parsed.stages);
  const stages = neededStages(parsed.stages, target, fromImage, refsOf);
  const dependsOn = stageDependencies(parsed.stages, refsOf);
  const total = stages.reduce((n, s) => n + 1 + s.instructions.length, 0);
  const built = new Map<number, StageState>();
  await mkdir(deps.scratch, { recursive: true });
  const lease = deps.store.leases.take();
  const uncached = new Set((opts.noCacheFilter ?? []).map((n) => n.toLowerCase()));
  for (const name of uncached)
    if (!parsed.stages.some((st) => st.name === name || String(st.index) === name))
      out.stream(`[Warning] --no-cache-filter: no stage named ${name}\n`);
  // Stages built at once that name the same image look it up (or pull it) once.
  const images = new Map<string, Promise<ImageRecord>>();
  const stageDeps: BuilderDeps = {
    ...deps,
    image: (reference, pull) => {
      const k = `${pull} ${reference}`;
      let found = images.get(k);
      if (!found) {
        found = deps.image(reference, pull);
        images.set(k, found);
        found.catch(() => images.delete(k));
      }
      return found;
    },
  };
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
    cache: { cache: deps.cache, lookups: false, store: deps.store, lease, epoch },
    secrets: opts.secrets,
    epoch,
  };
  let nextStep = 1;
  const jobs: StageJob[] = stages.map((stage) => {
    const firstStep = nextStep;
    nextStep += 1 + stage.instructions.length;
    const lookups = !opts.noCache && !uncached.has(stage.name ?? '') && !uncached.has(String(stage.index));
    const after = (dependsOn.get(stage.index) ?? []).map((d) => stages.findIndex((n) => n.index === d));
    return {
      after: after.filter((i) => i >= 0),
      run: (write, signal) =>
        buildStage(
          stageDeps,
          stage,
          { ...stepCtx, out: { stream: write }, cache: { ...stepCtx.cache, lookups }, signal },
          firstStep,
          total,
        ),
    };
  });
  try {
    await runStageJobs(jobs, (text) => out.stream(text), opts.parallelStages, opts.signal);
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
    const created = final.config.created ?? stepTime(epoch);
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

/** One stage: FROM, its base's ONBUILD triggers, its instructions; the result goes into ctx.built. */
async function buildStage(
  deps: BuilderDeps,
  stage: Stage,
  ctx: StepContext,
  firstStep: number,
  total: number,
): Promise<void> {
  const { out } = ctx;
  let step = firstStep;
  ctx.signal?.throwIfAborted();
  out.stream(`Step ${step++}/${total} : ${stage.from.original}\n`);
  const from = expandInstruction(stage.from, ctx.globals);
  checkBuildPlatform(from.platform, `FROM --platform=${from.platform}`);
  const state = await atLine(stage.from.location, () =>
    fromState(deps, from.image, stage, ctx.stages, ctx.built, ctx.pull, ctx.lease),
  );
  out.stream(` ---> ${short(configId(state.config))}\n`);
  const triggers = state.config.config?.OnBuild ?? [];
  if (triggers.length) {
    out.stream(`# Executing ${triggers.length} build trigger${triggers.length === 1 ? '' : 's'}\n`);
    state.config = { ...state.config, config: { ...state.config.config, OnBuild: undefined } };
    for (const t of triggers) {
      ctx.signal?.throwIfAborted();
      const [instr] = parseDockerfile(`FROM scratch\n${t}\n`, { file: 'ONBUILD' }).stages[0].instructions;
      await atLine(stage.from.location, () => runStep(deps, state, instr, ctx));
    }
  }
  if (state.config.config?.OnBuild === undefined && state.config.config) delete state.config.config.OnBuild;
  for (const instr of stage.instructions) {
    ctx.signal?.throwIfAborted();
    out.stream(`Step ${step++}/${total} : ${instr.original}\n`);
    await atLine(instr.location, () => runStep(deps, state, instr, ctx));
    out.stream(` ---> ${short(configId(state.config))}\n`);
  }
  ctx.built.set(stage.index, state);
}

/**
 * A step's failure names its Dockerfile line first (`Dockerfile:7: ...`), as the
 * parser's errors do; the error keeps its class and code (a RUN's exit status).
 */
async function atLine<T>(
  { file, startLine }: { file: string; startLine: number },
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof Error && !err.message.startsWith(`${file}:`))
      err.message = `${file}:${startLine}: ${err.message}`;
    throw err;
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
  secrets?: BuildSecrets;
  /** SOURCE_DATE_EPOCH: the time every step records. */
  epoch?: number;
  /** The stage's cancellation (stage-scheduler.ts). */
  signal?: AbortSignal;
}

function addHistory(s: StageState, createdBy: string, empty: boolean, epoch: number | undefined): void {
  const created = stepTime(epoch);
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
      addHistory(s, nopCreatedBy(s, `ARG ${text.join(' ')}`), true, ctx.epoch);
      return;
    }
    const nop = applyMetadata(s, instr);
    if (nop !== undefined) {
      addHistory(s, nopCreatedBy(s, nop), true, ctx.epoch);
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
  const layer = await stepLayer(deps.store, s.chainId, deps.scratch, ctx.lease, work, {
    clampMtime: ctx.epoch,
  });
  s.layers = [...s.layers, layer.descriptor];
  s.chainId = layer.chainId;
  s.config = {
    ...s.config,
    rootfs: { type: 'layers', diff_ids: [...s.config.rootfs.diff_ids, layer.diffId] },
  };
  addHistory(s, createdBy, false, ctx.epoch);
}

async function runCommand(
  deps: BuilderDeps,
  s: StageState,
  raw: RunInstruction,
  ctx: StepContext,
): Promise<void> {
  // The command is the shell's to expand; --mount values are expanded here (as BuildKit does).
  const instr = raw.mountSpecs.length ? expandInstruction(raw, expansionEnv(s)) : raw;
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
  const sources = runMountSources(deps, ctx);
  const plan = await planRunMounts(instr, s.config.config?.WorkingDir || '/', sources);
  const inputs = { buildEnv, ...(plan.inputs ? { mounts: plan.inputs } : {}) };
  const key = stepKey({ parent: configId(s.config), instruction: instr, inputs });
  await cached(ctx, s, key, 'RUN', () =>
    layerStep(deps, s, ctx, createdBy, async (step) => {
      const mounts = await mountRunMounts(instr, plan, sources);
      try {
        code = await runInRootfs(deps.run, step, {
          instr,
          argv,
          config: s.config.config ?? {},
          buildEnv,
          mounts: mounts.specs,
          secretEnv: mounts.env,
          signal: ctx.signal,
          output: (chunk) => ctx.out.stream(chunk.toString('utf8')),
          onStart: (id) => {
            containerId = id;
            ctx.out.stream(` ---> Running in ${short(id)}\n`);
          },
        });
      } finally {
        await mounts.release();
      }
      if (code !== 0)
        throw new BuildError(`The command '${cmdText}' returned a non-zero code: ${code}`, code);
    }),
  );
  if (containerId) ctx.out.stream(`Removing intermediate container ${short(containerId)}\n`);
}

/** What RUN --mount reads: the context, earlier stages and images (as COPY --from), cache mounts, secrets. */
const runMountSources = (deps: BuilderDeps, ctx: StepContext): RunMountSources => ({
  contextDir: ctx.contextDir,
  snapshotOf: async (from) => (await sourceSnapshot(deps, from, ctx)).chainId,
  store: deps.store,
  scratch: deps.scratch,
  cacheMounts: deps.cacheMounts,
  secrets: ctx.secrets,
  secretsDir: deps.secretsDir,
});

/** COPY and ADD (copy-step.ts). */
function copyStep(
  deps: BuilderDeps,
  s: StageState,
  instr: CopyInstruction | AddInstruction,
  ctx: StepContext,
): Promise<void> {
  return copyFilesStep(
    {
      store: deps.store,
      scratch: deps.scratch,
      contextDir: ctx.contextDir,
      lease: ctx.lease,
      pull: ctx.pull,
      stages: ctx.stages,
      built: ctx.built,
      image: deps.image,
      cached: (key, kind, work) => cached(ctx, s, key, kind, work),
      layer: (createdBy, work) => layerStep(deps, s, ctx, createdBy, ({ rootfs }) => work(rootfs)),
    },
    s,
    instr,
  );
}

/** The files of COPY --from and RUN --mount from=: an earlier stage's or an image's top snapshot. */
function sourceSnapshot(deps: BuilderDeps, from: string, ctx: StepContext): Promise<{ chainId?: Digest }> {
  return snapshotOfSource(
    {
      stages: ctx.stages,
      built: ctx.built,
      image: deps.image,
      pull: ctx.pull,
      store: deps.store,
      lease: ctx.lease,
    },
    from,
  );
}
