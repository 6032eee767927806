// `berth build` (`image build`): a Dockerfile and its context to an image, as
// `docker build` with the classic builder does it. The context directory is sent
// as a tar, without what `.dockerignore` (or `<Dockerfile>.dockerignore`) leaves
// out, though the Dockerfile and the ignore file always go; a Dockerfile outside
// the context is sent beside it under a name of its own. `-` reads the context
// tar, or a lone Dockerfile, from stdin. The daemon's stream is shown as plain
// lines; a failed build prints its message and exits with a failed RUN's status
// (1 for any other failure), as Docker's CLI does. `--no-cache-filter` (BuildKit's
// flag; the Engine API has no parameter for it) goes as berth's own
// `nocachefilter` query parameter, a JSON array of stage names. `--secret`s
// (build-secret-flag.ts) are read here and uploaded first, in a request of their
// own (`POST /berth/build/secrets`); the build names the session the daemon gave
// in the `X-Berth-Build-Secrets` header, so they are never part of the context.
// `--progress` (build-progress.ts): plain prints the lines; tty, or auto on a
// terminal, redraws one row per step; quiet is `-q`. `--iidfile` gets the image
// ID (no newline) after a successful build; an old one is removed first, so a
// failed build leaves none, as Docker does.
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { lstat, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
// The leaf modules, not the build folder's index: the client must not load the builder.
import { IgnoreMatcher } from '../../build/dockerfile/dockerignore/matcher.ts';
import { ignoreFileCandidates, parseDockerignore } from '../../build/dockerfile/dockerignore/read.ts';
import { ItemBuilder, joinRel } from '../../layer/layer-items.ts';
import { type LayerItem, tarStream } from '../../layer/tar-writer.ts';
import { readDirSorted } from '../../layer/tree-scan.ts';
import { invalidArgument } from '../../util/errors.ts';
import { readJsonLines } from '../client.ts';
import { defineCommand } from '../command.ts';
import { drawsOnTerminal, parseProgressMode, TtyProgress } from './build-progress.ts';
import { readSecretFlags } from './build-secret-flag.ts';
import { isTerminal } from './terminal.ts';

interface BuildMessage {
  stream?: string;
  aux?: { ID?: string };
  errorDetail?: { message?: string; code?: number };
  error?: string;
}

/** `K=V` pairs; a bare `K` takes the value from the environment (null when unset, as docker sends it). */
function keyValues(
  list: readonly string[] | undefined,
  env: Record<string, string | undefined>,
  fromEnv: boolean,
) {
  const out: Record<string, string | null> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq >= 0) out[item.slice(0, eq)] = item.slice(eq + 1);
    else out[item] = fromEnv ? (env[item] ?? null) : '';
  }
  return out;
}

/**
 * SOURCE_DATE_EPOCH from the environment goes as a build arg of that name (as
 * buildx sends it), unless a --build-arg gives one: the daemon then makes the
 * build reproducible (src/build/builder/source-date-epoch.ts).
 */
function withSourceDateEpoch(
  args: Record<string, string | null>,
  env: Record<string, string | undefined>,
): Record<string, string | null> {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch === undefined || epoch === '' || 'SOURCE_DATE_EPOCH' in args) return args;
  return { ...args, SOURCE_DATE_EPOCH: epoch };
}

/** The context's entries as tar items, ignored paths left out (exceptions below ignored directories honoured). */
async function* contextItems(
  dir: string,
  ignore: IgnoreMatcher,
  always: Set<string>,
  extra?: LayerItem,
): AsyncGenerator<LayerItem> {
  const builder = new ItemBuilder({ xattrs: false });
  async function* walk(rel: string, abs: string): AsyncGenerator<LayerItem> {
    for (const c of await readDirSorted(abs)) {
      const childRel = joinRel(rel, c.name);
      const ignored = !always.has(childRel) && ignore.matches(childRel, c.st.isDirectory());
      if (!ignored) {
        const item = await builder.item(childRel, c.abs, c.st);
        if (item) yield item;
      }
      if (c.st.isDirectory() && (!ignored || ignore.mustDescend(childRel))) yield* walk(childRel, c.abs);
    }
  }
  yield* walk('', dir);
  if (extra) yield extra;
}

function fileItem(name: string, path: string, size: number): LayerItem {
  return {
    header: {
      name,
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      size,
      mtime: 0,
      linkname: '',
      devmajor: 0,
      devminor: 0,
    },
    contentPath: path,
  };
}

/** The context tar and the Dockerfile's name in it. */
async function directoryContext(
  dir: string,
  file: string | undefined,
): Promise<{ body: Readable; dockerfile: string }> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw invalidArgument(`unable to prepare context: path "${dir}" not found`);
  const root = realpathSync(dir);
  let dockerfile = 'Dockerfile';
  let extra: LayerItem | undefined;
  if (file !== undefined) {
    const abs = realpathSync(isAbsolute(file) ? file : resolve(file));
    const rel = relative(root, abs);
    if (rel && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
      dockerfile = rel.split(sep).join('/');
    else {
      dockerfile = `.dockerfile.${randomBytes(10).toString('hex')}`;
      extra = fileItem(dockerfile, abs, lstatSync(abs).size);
    }
  } else if (!existsSync(join(root, 'Dockerfile'))) {
    throw invalidArgument(
      `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${join(root, 'Dockerfile')}: no such file or directory`,
    );
  }
  let patterns: string[] = [];
  for (const candidate of ignoreFileCandidates(dockerfile)) {
    const p = join(root, candidate);
    if (existsSync(p)) {
      patterns = parseDockerignore(readFileSync(p, 'utf8'));
      break;
    }
  }
  const always = new Set([dockerfile, '.dockerignore', `${dockerfile}.dockerignore`]);
  return { body: tarStream(contextItems(root, new IgnoreMatcher(patterns), always, extra)), dockerfile };
}

/** `-`: stdin is a context tar (plain or compressed), or else a Dockerfile alone. */
async function stdinContext(): Promise<Readable> {
  const chunks: Buffer[] = [];
  let size = 0;
  const it = process.stdin[Symbol.asyncIterator]();
  let done = false;
  while (size < 512 && !done) {
    const r = await it.next();
    if (r.done) done = true;
    else {
      chunks.push(Buffer.from(r.value as Buffer));
      size += (r.value as Buffer).length;
    }
  }
  const head = Buffer.concat(chunks);
  const isArchive =
    (head[0] === 0x1f && head[1] === 0x8b) ||
    (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) ||
    (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar');
  const rest = async function* () {
    yield head;
    if (!done)
      for (let r = await it.next(); !r.done; r = await it.next()) yield Buffer.from(r.value as Buffer);
  };
  if (isArchive) return Readable.from(rest());
  const parts: Buffer[] = [];
  for await (const c of rest()) parts.push(c);
  const text = Buffer.concat(parts);
  const { encodeHeader, padding, END_OF_ARCHIVE } = await import('../../layer/tar-header.ts');
  const header = encodeHeader({
    ...fileItem('Dockerfile', '', text.length).header,
    mtime: Math.floor(Date.now() / 1000),
  });
  return Readable.from([Buffer.concat([header, text, Buffer.alloc(padding(text.length)), END_OF_ARCHIVE])]);
}

export const buildCommand = defineCommand({
  name: 'build',
  aliases: ['image build', 'builder build'],
  summary: 'Build an image from a Dockerfile',
  usage: '[OPTIONS] PATH | -',
  common: true,
  args: { min: 1, max: 1 },
  options: {
    tag: {
      type: 'string',
      short: 't',
      multiple: true,
      valueName: 'list',
      help: 'Name and optionally a tag in the "name:tag" format',
    },
    file: {
      type: 'string',
      short: 'f',
      valueName: 'string',
      help: "Name of the Dockerfile (Default is 'PATH/Dockerfile')",
    },
    'build-arg': { type: 'string', multiple: true, valueName: 'list', help: 'Set build-time variables' },
    target: { type: 'string', valueName: 'string', help: 'Set the target build stage to build.' },
    'no-cache': { type: 'boolean', help: 'Do not use cache when building the image' },
    'no-cache-filter': {
      type: 'string',
      multiple: true,
      valueName: 'stringArray',
      help: 'Do not cache specified stages',
    },
    pull: { type: 'boolean', help: 'Always attempt to pull a newer version of the image' },
    quiet: { type: 'boolean', short: 'q', help: 'Suppress the build output and print image ID on success' },
    label: { type: 'string', multiple: true, valueName: 'list', help: 'Set metadata for an image' },
    platform: {
      type: 'string',
      valueName: 'string',
      help: 'Set platform if server is multi-platform capable',
    },
    rm: { type: 'boolean', help: 'Remove intermediate containers after a successful build (default true)' },
    'force-rm': { type: 'boolean', help: 'Always remove intermediate containers' },
    network: {
      type: 'string',
      valueName: 'string',
      help: 'Set the networking mode for the RUN instructions during build (default "default")',
    },
    iidfile: { type: 'string', valueName: 'string', help: 'Write the image ID to the file' },
    progress: {
      type: 'string',
      valueName: 'string',
      help: 'Set type of progress output (auto, plain, tty, quiet). Use plain to show container output (default "auto")',
    },
    secret: {
      type: 'string',
      multiple: true,
      valueName: 'stringArray',
      help: 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")',
    },
  },
  async run(ctx) {
    const [path] = ctx.args;
    const mode = parseProgressMode(ctx.options.progress, ctx.options.quiet ?? false);
    const iidfile = ctx.options.iidfile;
    if (iidfile) await rm(iidfile, { force: true });
    // Read before the context: a missing secret file fails the build before anything is sent.
    const secrets = await readSecretFlags(ctx.options.secret ?? [], ctx.env);
    let body: Readable;
    let dockerfile: string | undefined;
    if (path === '-') {
      body = await stdinContext();
      dockerfile = ctx.options.file;
    } else {
      ({ body, dockerfile } = await directoryContext(path, ctx.options.file));
    }
    const noCacheFilter = (ctx.options['no-cache-filter'] ?? []).flatMap((v) =>
      v
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    );
    const query: Record<string, string | string[] | undefined> = {
      t: ctx.options.tag ?? [],
      dockerfile,
      buildargs: JSON.stringify(
        withSourceDateEpoch(keyValues(ctx.options['build-arg'], ctx.env, true), ctx.env),
      ),
      labels: JSON.stringify(keyValues(ctx.options.label, ctx.env, false)),
      target: ctx.options.target,
      nocache: ctx.options['no-cache'] ? '1' : undefined,
      nocachefilter: noCacheFilter.length ? JSON.stringify(noCacheFilter) : undefined,
      pull: ctx.options.pull ? '1' : undefined,
      q: mode === 'quiet' ? '1' : undefined,
      platform: ctx.options.platform,
      networkmode: ctx.options.network,
      rm: '1',
      forcerm: ctx.options['force-rm'] ? '1' : undefined,
    };
    const client = await ctx.client();
    const headers: Record<string, string> = { 'Content-Type': 'application/x-tar' };
    if (secrets.length) {
      const session = await client.post<{ Session: string }>('/berth/build/secrets', { Secrets: secrets });
      headers['X-Berth-Build-Secrets'] = session.Session;
    }
    const res = await client.request('POST', '/build', { query, body, headers });
    const tty = drawsOnTerminal(mode, isTerminal(ctx.stdout))
      ? new TtyProgress(ctx.stdout, () => Date.now())
      : undefined;
    const timer = tty ? setInterval(() => tty.render(), 100) : undefined;
    let id: string | undefined;
    try {
      for await (const m of readJsonLines<BuildMessage>(res)) {
        if (m.errorDetail || m.error) {
          tty?.finish(false);
          ctx.stderr.write(`${m.errorDetail?.message || m.error}\n`);
          return m.errorDetail?.code || 1;
        }
        if (m.aux?.ID) id = m.aux.ID;
        if (m.stream === undefined) continue;
        if (tty) tty.stream(m.stream);
        else ctx.stdout.write(m.stream);
      }
      tty?.finish(true);
    } finally {
      if (timer) clearInterval(timer);
    }
    if (iidfile && id) await writeFile(iidfile, id);
    return 0;
  },
});
