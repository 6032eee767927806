// The benchmark rootfs: a deterministic tree (seeded PRNG) shaped like a real
// distribution's root filesystem, and a plain tarball of it. Default 256 MiB in
// 10,000 regular files: mostly small files (1–16 KiB), some medium ones, a few
// of several MiB, nested about three levels deep, with symlinks, hardlinks, a
// few files owned by a non-root user and the real busybox binary in bin/.
// File contents mix text (compresses well) and noise (does not), so gzip's
// cost is about what it is on real images.
//
// Made once and cached under os.tmpdir() keyed by FIXTURE_VERSION, size and
// count, so reruns reuse it; `BENCH_MB` and `BENCH_FILES` shrink it for a quick
// run. The cache is kept on purpose; `rm -rf $TMPDIR/berth-bench-fixtures`
// removes it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  chown,
  copyFile,
  link,
  lutimes,
  mkdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Bump when the generator changes, so an old cached fixture is not reused. */
export const FIXTURE_VERSION = 'v1';

export interface FixtureSpec {
  /** Bytes of regular-file content in the tree (busybox included). */
  bytes: number;
  /** Regular files (busybox included; hardlinks and symlinks are extra names). */
  files: number;
  seed: number;
}

export interface Fixture {
  spec: FixtureSpec;
  /** The rootfs directory. */
  dir: string;
  /** `tar --numeric-owner -C dir -cf tarball .` of it. */
  tarball: string;
  tarballBytes: number;
  counts: { files: number; dirs: number; symlinks: number; hardlinks: number; bytes: number };
}

export function fixtureSpecFromEnv(env: NodeJS.ProcessEnv = process.env): FixtureSpec {
  const mb = positive(env.BENCH_MB, 256, 'BENCH_MB');
  const files = positive(env.BENCH_FILES, 10_000, 'BENCH_FILES');
  return { bytes: Math.round(mb * 1024 * 1024), files: Math.max(20, Math.round(files)), seed: 0x5eed };
}

function positive(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${raw}: expected a positive number`);
  return n;
}

export const FIXTURE_CACHE = join(tmpdir(), 'berth-bench-fixtures');

/** The cached fixture for `spec`, made first if missing or unfinished. */
export async function ensureFixture(spec: FixtureSpec = fixtureSpecFromEnv()): Promise<Fixture> {
  const key = `${FIXTURE_VERSION}-${spec.bytes}b-${spec.files}f-${spec.seed.toString(16)}`;
  const home = join(FIXTURE_CACHE, key);
  const dir = join(home, 'rootfs');
  const tarball = join(home, 'rootfs.tar');
  const done = join(home, 'complete.json');
  if (existsSync(done)) {
    const counts = JSON.parse(await readFile(done, 'utf8')) as Fixture['counts'];
    return { spec, dir, tarball, tarballBytes: (await stat(tarball)).size, counts };
  }
  await rm(home, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const counts = await makeTree(dir, spec);
  await run('tar', ['--numeric-owner', '--sort=name', '-C', dir, '-cf', tarball, '.']);
  await writeFile(done, JSON.stringify(counts));
  return { spec, dir, tarball, tarballBytes: (await stat(tarball)).size, counts };
}

// ---- the generator -----------------------------------------------------------

/** mulberry32: small, fast, and the same sequence everywhere for one seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the of and to in is for on that with as by this be are from at or an it not which have all can if has ' +
  'config file system user group path root bin lib usr etc share local include data error value return ' +
  'int char void struct static const unsigned size_t NULL while else break case default switch export ' +
  'function import module package version license copyright http server client request response table'
).split(' ');

const POOL_BYTES = 4 << 20;

/** Content comes from two pools: text-like (about 3x under gzip) and binary-like noise. */
function makePools(rand: () => number): { text: Buffer; noise: Buffer } {
  // Noise like machine code: random bytes with runs of zeros (about 1.6x under gzip).
  const noise = Buffer.alloc(POOL_BYTES);
  for (let i = 0; i < POOL_BYTES; i += 4) {
    if (rand() < 0.35) continue;
    noise.writeUInt32LE((rand() * 4294967296) >>> 0, i);
  }
  const parts: string[] = [];
  let length = 0;
  while (length < POOL_BYTES) {
    const line: string[] = [];
    const n = 3 + Math.floor(rand() * 12);
    for (let i = 0; i < n; i++) line.push(WORDS[Math.floor(rand() * WORDS.length)]);
    if (rand() < 0.2) line.push(String(Math.floor(rand() * 100000)));
    const s = `${'  '.repeat(Math.floor(rand() * 4))}${line.join(' ')}\n`;
    parts.push(s);
    length += s.length;
  }
  return { text: Buffer.from(parts.join('')).subarray(0, POOL_BYTES), noise };
}

/** A file body: 4 KiB slices from random places in the pools; `textShare` of them text. */
function body(
  size: number,
  textShare: number,
  pools: { text: Buffer; noise: Buffer },
  rand: () => number,
): Buffer {
  const out = Buffer.allocUnsafe(size);
  const slice = 4096;
  for (let at = 0; at < size; at += slice) {
    const n = Math.min(slice, size - at);
    const pool = rand() < textShare ? pools.text : pools.noise;
    const from = Math.floor(rand() * (POOL_BYTES - n));
    pool.copy(out, at, from, from + n);
  }
  return out;
}

interface Planned {
  size: number;
  textShare: number;
  mode: number;
}

/** Sizes that add up to exactly `spec.bytes`: small files first, the rest shared by medium and large. */
function planFiles(spec: FixtureSpec, busyboxSize: number, rand: () => number): Planned[] {
  const n = spec.files - 1;
  const nLarge = Math.max(1, Math.round(n * 0.001));
  const nMedium = Math.max(1, Math.round(n * 0.06));
  const nSmall = Math.max(1, n - nLarge - nMedium);
  const budget = Math.max(0, spec.bytes - busyboxSize);

  let small = Array.from({ length: nSmall }, () => 1024 + Math.floor(rand() * 15 * 1024));
  const smallSum = small.reduce((a, b) => a + b, 0);
  if (smallSum > budget * 0.5)
    small = small.map((s) => Math.max(1, Math.floor((s * budget * 0.5) / smallSum)));
  const rest = budget - small.reduce((a, b) => a + b, 0);

  // Medium: log-uniform 32 KiB–1 MiB; large: 2–12 MiB; each then scaled to half of the rest.
  const medium = scaleTo(
    Array.from({ length: nMedium }, () => 32 * 1024 * 32 ** rand()),
    Math.floor(rest / 2),
  );
  const large = scaleTo(
    Array.from({ length: nLarge }, () => (2 + rand() * 10) * 1024 * 1024),
    rest - medium.reduce((a, b) => a + b, 0),
  );

  const planned: Planned[] = [
    ...small.map((size) => ({ size, textShare: 0.9, mode: rand() < 0.1 ? 0o755 : 0o644 })),
    ...medium.map((size) => ({ size, textShare: 0.7, mode: rand() < 0.4 ? 0o755 : 0o644 })),
    ...large.map((size) => ({ size, textShare: 0.6, mode: rand() < 0.5 ? 0o755 : 0o644 })),
  ];
  // Shuffle so big and small files share directories, as they do in /usr/lib.
  for (let i = planned.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [planned[i], planned[j]] = [planned[j], planned[i]];
  }
  return planned;
}

function scaleTo(weights: number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const out = weights.map((w) => Math.floor((w * total) / sum));
  out[out.length - 1] += total - out.reduce((a, b) => a + b, 0);
  return out;
}

const TOP = ['bin', 'etc', 'lib', 'opt', 'sbin', 'srv', 'usr', 'var', 'home'];
const NAMES = [
  'share',
  'lib',
  'local',
  'include',
  'doc',
  'conf',
  'cache',
  'python3',
  'perl5',
  'x86_64',
  'site',
  'data',
];
const FIXED_TIME = new Date('2024-01-01T00:00:00Z');

async function makeTree(dir: string, spec: FixtureSpec): Promise<Fixture['counts']> {
  const rand = prng(spec.seed);
  const pools = makePools(rand);
  const busyboxSize = existsSync('/bin/busybox') ? (await stat('/bin/busybox')).size : 0;

  // About one directory per 30 files, three levels below the top.
  const dirs: string[] = [...TOP];
  const wanted = Math.max(TOP.length, Math.round(spec.files / 30));
  for (let i = 0; dirs.length < wanted; i++) {
    const parent = dirs[Math.floor(rand() * dirs.length)];
    if (parent.split('/').length >= 3) continue;
    dirs.push(`${parent}/${NAMES[Math.floor(rand() * NAMES.length)]}${i}`);
  }
  for (const d of dirs) await mkdir(join(dir, d), { recursive: true });

  const files: string[] = [];
  let bytes = 0;
  for (const [i, f] of planFiles(spec, busyboxSize, rand).entries()) {
    const rel = `${dirs[Math.floor(rand() * dirs.length)]}/f${i}${f.mode & 0o100 ? '' : '.dat'}`;
    await writeFile(join(dir, rel), body(f.size, f.textShare, pools, rand), { mode: f.mode });
    files.push(rel);
    bytes += f.size;
  }
  if (busyboxSize) {
    await copyFile('/bin/busybox', join(dir, 'bin/busybox'));
    files.push('bin/busybox');
    bytes += busyboxSize;
  } else {
    console.error(
      'fixtures: /bin/busybox is missing (apt-get install busybox-static); the tree has no busybox',
    );
  }

  // A user's home: a few files that belong to uid/gid 1000, so unpacking must chown.
  await mkdir(join(dir, 'home/user'), { recursive: true });
  await chown(join(dir, 'home/user'), 1000, 1000);
  for (const rel of files.filter((f) => f.startsWith('home/')).slice(0, 50)) {
    await chown(join(dir, rel), 1000, 1000);
  }

  const symlinks: string[] = [];
  const addSymlink = async (text: string, rel: string) => {
    await symlink(text, join(dir, rel));
    symlinks.push(rel);
  };
  if (busyboxSize) {
    for (const applet of ['sh', 'ls', 'cat', 'cp', 'mv', 'rm', 'mkdir', 'echo', 'true', 'false']) {
      await addSymlink('busybox', `bin/${applet}`);
    }
  }
  const nLinks = Math.max(2, Math.round(spec.files / 500));
  for (let i = 0; i < nLinks; i++) {
    const target = files[Math.floor(rand() * files.length)];
    const from = dirs[Math.floor(rand() * dirs.length)];
    // Half absolute (as /etc/alternatives has), half relative to the link's directory.
    const text = i % 2 ? `/${target}` : `${'../'.repeat(from.split('/').length)}${target}`;
    await addSymlink(text, `${from}/link${i}`);
  }
  await addSymlink('usr/lib', 'lib64');

  let hardlinks = 0;
  for (let i = 0; i < nLinks; i++) {
    const target = files[Math.floor(rand() * files.length)];
    await link(join(dir, target), join(dir, dirs[Math.floor(rand() * dirs.length)], `hard${i}`));
    hardlinks++;
  }

  // Fixed times, deepest directories last so setting a child's time does not change its parent's.
  for (const f of files) await utimes(join(dir, f), FIXED_TIME, FIXED_TIME);
  for (const l of symlinks) await lutimes(join(dir, l), FIXED_TIME, FIXED_TIME);
  for (const d of [...dirs, 'home/user'].sort((a, b) => b.split('/').length - a.split('/').length)) {
    await utimes(join(dir, d), FIXED_TIME, FIXED_TIME);
  }
  await utimes(dir, FIXED_TIME, FIXED_TIME);

  return { files: files.length, dirs: dirs.length + 1, symlinks: symlinks.length, hardlinks, bytes };
}

/** One line that says what the fixture is. */
export function describeFixture(f: Fixture): string {
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  const c = f.counts;
  return (
    `rootfs ${mib(c.bytes)} in ${c.files} files, ${c.dirs} dirs, ${c.symlinks} symlinks, ` +
    `${c.hardlinks} hardlinks; tarball ${mib(f.tarballBytes)} (${f.tarball})`
  );
}

// `node --import tsx bench/fixtures.ts` makes (or finds) the fixture and says what it is.
if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const f = await ensureFixture();
  console.log(`${describeFixture(f)}, ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
