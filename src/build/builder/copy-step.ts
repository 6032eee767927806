// A COPY or ADD step: what it reads (the context, another stage's or an image's
// files, heredocs, downloads), its cache key, and its layer, written straight
// into the step's rootfs by copy-files.ts with no container.
//
// The cache key covers the instruction as executed (every flag: --chown,
// --chmod, --link, --parents, --exclude ...) and what it reads: the context's
// entries by content (copy-inputs.ts, after --exclude), a --from source by its
// chain of layers, and a download by its --checksum when one is given (then a
// hit downloads nothing) or else by the digest and mtime of what was
// downloaded: as with Docker's classic builder, an ADD of a URL without a
// checksum downloads every time and is a hit when the content is the same.
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { mountRootfs, unmountRootfs } from '../../engine/rootfs-mount.ts';
import { encodeImageConfig } from '../../image/config-json.ts';
import type { ImageRecord, ImageStore } from '../../image/image-store.ts';
import type { Lease } from '../../image/lease.ts';
import { type Digest, digestOf } from '../../oci/digest.ts';
import { TRANSIENT_KEY_PREFIX } from '../../snapshot/fs-snapshotter.ts';
import { BerthError, invalidArgument } from '../../util/errors.ts';
import { stepKey } from '../cache/index.ts';
import { type AddInstruction, type CopyInstruction, findStage, type Stage } from '../dockerfile/index.ts';
import { CopyExcludes } from './copy-exclude.ts';
import { type CopyGroup, chownOwner, copyInto, parseChmod } from './copy-files.ts';
import { copyInputsDigest } from './copy-inputs.ts';
import {
  type Checksum,
  type DownloadedFile,
  downloadRemote,
  formatChecksum,
  isGitSource,
  isHttpSource,
  isUrlLike,
  parseChecksum,
  remoteFileName,
} from './remote-add.ts';
import { resolveInRoot } from './root-path.ts';
import { type StageState, shellOf } from './stage-state.ts';

/** What a COPY/ADD step needs from the build around it. */
export interface CopyStepEnv {
  store: ImageStore;
  /** The build's scratch directory. */
  scratch: string;
  contextDir: string;
  lease: Lease;
  pull: boolean;
  stages: readonly Stage[];
  built: ReadonlyMap<number, StageState>;
  image(reference: string, pull: boolean): Promise<ImageRecord>;
  /** Run the step through the build cache; true for a hit. */
  cached(key: Digest, kind: string, work: () => Promise<void>): Promise<boolean>;
  /** Make the step's layer: `work` writes into the mounted rootfs. */
  layer(createdBy: string, work: (rootfs: string) => Promise<void>): Promise<void>;
}

/** The sources of a COPY/ADD, sorted by where they come from; refuses what berth cannot read. */
export interface SourcePlan {
  local: string[];
  remote: string[];
  checksum?: Checksum;
}

export function planSources(instr: CopyInstruction | AddInstruction): SourcePlan {
  const what = instr.kind;
  const plan: SourcePlan = { local: [], remote: [] };
  for (const src of instr.sources) {
    if (what === 'ADD' && isGitSource(src))
      throw new BerthError(
        'NotImplemented',
        `ADD ${src}: git sources are not supported (berth has no git source): clone the repository into the build context and COPY it`,
      );
    if (isHttpSource(src)) {
      if (what === 'COPY') throw invalidArgument(`source can't be a URL for COPY: ${src}: use ADD`);
      plan.remote.push(src);
    } else if (isUrlLike(src)) {
      throw invalidArgument(`${what} ${src}: only http:// and https:// URLs can be downloaded`);
    } else plan.local.push(src);
  }
  if (instr.kind === 'ADD') {
    if (instr.keepGitDir)
      throw new BerthError(
        'NotImplemented',
        'ADD --keep-git-dir is not supported: berth has no git source (clone the repository into the build context and COPY it)',
      );
    if (instr.checksum) {
      if (instr.sources.length !== 1)
        throw invalidArgument("ADD --checksum can't be specified for multiple sources");
      if (!plan.remote.length) throw invalidArgument('ADD --checksum requires an http(s) URL source');
      plan.checksum = parseChecksum(instr.checksum);
    }
  }
  return plan;
}

const configId = (s: StageState) => digestOf(encodeImageConfig(s.config));

export async function copyStep(
  env: CopyStepEnv,
  s: StageState,
  instr: CopyInstruction | AddInstruction,
): Promise<void> {
  const what = instr.kind;
  const plan = planSources(instr);
  const mode = parseChmod(instr.chmod);
  const exclude = new CopyExcludes(instr.exclude);
  const parents = instr.kind === 'COPY' && instr.parents;
  const workdir = s.config.config?.WorkingDir || '/';
  const destIsDir = instr.dest.endsWith('/');
  const dest = posix.resolve(workdir, instr.dest);
  const from = instr.kind === 'COPY' ? instr.from : undefined;
  const names = [...instr.sources, ...instr.heredocs.map((h) => `<<${h.name}`)];
  const createdBy = `${shellOf(s).join(' ')} #(nop) ${what} ${names.join(' ')} in ${instr.dest} `;
  const source = from === undefined ? undefined : await sourceSnapshot(env, from);
  const unnamed = plan.remote.find((url) => remoteFileName(url) === undefined);
  if (unnamed && destIsDir) throw cannotName(unnamed);

  const work = join(env.scratch, `copy-${randomUUID()}`);
  try {
    const downloads: DownloadedFile[] = [];
    const download = async () => {
      for (const [i, url] of plan.remote.entries())
        downloads.push(
          await downloadRemote(url, join(work, `download-${i}`), {
            name: remoteFileName(url) ?? 'download',
            checksum: plan.checksum,
            what,
          }),
        );
    };
    // Without a checksum, what was downloaded decides the key.
    if (!plan.checksum) await download();
    const inputs: Record<string, unknown> =
      source === undefined
        ? {
            context: plan.local.length
              ? await copyInputsDigest(env.contextDir, plan.local, { parents, exclude })
              : '',
          }
        : { from: source.chainId ?? 'empty' };
    if (plan.remote.length)
      inputs.remote = plan.checksum
        ? plan.remote.map((url) => ({ url, checksum: formatChecksum(plan.checksum as Checksum) }))
        : downloads.map((d) => ({ url: d.url, digest: d.digest, mtime: d.mtime.getTime() }));
    const key = stepKey({ parent: configId(s), instruction: instr, inputs });
    await env.cached(key, what, async () => {
      if (plan.checksum) await download();
      const heredocRoot = join(work, 'heredocs');
      if (instr.heredocs.length) {
        await mkdir(heredocRoot, { recursive: true });
        for (const h of instr.heredocs)
          await writeFile(join(heredocRoot, posix.basename(h.name)), h.content, { mode: 0o644 });
      }
      await withSourceRoot(env, source, async (srcRoot) => {
        await env.layer(createdBy, async (rootfs) => {
          if (unnamed) {
            const target = await resolveInRoot(rootfs, dest);
            if (target.exists && (await lstat(target.host)).isDirectory()) throw cannotName(unnamed);
          }
          const groups: CopyGroup[] = [];
          if (plan.local.length)
            groups.push({
              srcRoot,
              sources: plan.local,
              unpack: instr.kind === 'ADD' && instr.unpack !== false,
              from: from === undefined ? undefined : `--from=${from}`,
            });
          for (const d of downloads)
            groups.push({
              srcRoot: d.dir,
              sources: [d.name],
              unpack: instr.kind === 'ADD' && !!instr.unpack,
            });
          if (instr.heredocs.length)
            groups.push({
              srcRoot: heredocRoot,
              sources: instr.heredocs.map((h) => posix.basename(h.name)),
              unpack: false,
            });
          await copyInto(rootfs, {
            groups,
            dest,
            destIsDir,
            owner: await chownOwner(rootfs, instr.chown),
            mode,
            what,
            parents,
            exclude,
          });
        });
      });
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const cannotName = (url: string) =>
  invalidArgument(
    `ADD failed: cannot determine filename for source ${url}: name the destination file (no trailing /)`,
  );

export type SnapshotSources = Pick<CopyStepEnv, 'stages' | 'built' | 'image' | 'pull' | 'store' | 'lease'>;

/**
 * The files of COPY --from (and RUN --mount from=): an earlier stage's or an
 * image's (its top snapshot; none for no layers).
 */
export async function sourceSnapshot(env: SnapshotSources, from: string): Promise<{ chainId?: Digest }> {
  const stage = findStage(env.stages, from);
  if (stage) {
    const s = env.built.get(stage.index);
    if (!s) throw invalidArgument(`COPY --from=${from}: stage ${from} is not built before this stage`);
    return { chainId: s.chainId };
  }
  // Not a stage: an image, as Docker's classic builder takes it; say both were looked for.
  const image = await env.image(from, env.pull).catch((err: unknown) => {
    const e = err instanceof BerthError ? err : undefined;
    throw new BerthError(
      e?.code ?? 'NotFound',
      `--from=${from}: no build stage of that name or index, and no image ${from}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  });
  const chainId = (await env.store.topSnapshot(image)) as Digest | undefined;
  if (chainId) env.lease.add(chainId);
  return { chainId };
}

/** The files COPY reads: the context, or an earlier stage's or an image's root filesystem (mounted read-only). */
async function withSourceRoot(
  env: CopyStepEnv,
  source: { chainId?: Digest } | undefined,
  use: (root: string) => Promise<void>,
): Promise<void> {
  if (source === undefined) return use(env.contextDir);
  const { chainId } = source;
  const dir = join(env.scratch, `from-${randomUUID()}`);
  const root = join(dir, 'rootfs');
  await mkdir(root, { recursive: true });
  const key = `${TRANSIENT_KEY_PREFIX}build-view-${randomUUID()}`;
  try {
    if (chainId) await mountRootfs(await env.store.snapshots.view(key, chainId), root);
    await use(root);
  } finally {
    await unmountRootfs(root);
    if (chainId) await env.store.snapshots.remove(key).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}
