// `berth build` with bad Dockerfiles and contexts: each fails naming its line and
// the reason, tags nothing, and leaves the content store's blobs and the snapshot
// directories as they were. Steps before the failing one are built (and cached)
// first by a warm-up build, so any new blob or snapshot would be the failed step's.
// Also `--iidfile` and `--progress`.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BERTH_BIN, cleanEnv, runBerth, type TempDirs, TestDaemon, tempDirs } from './helpers/berth.ts';
import { makeContext } from './helpers/build-context.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';
import { ptyMissing, runInPty } from './helpers/pty.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (namespaces, overlayfs)' : busyboxMissing();
const BASE = 'busybox:build';
const WARM = `FROM ${BASE}\nCOPY a /a\n`;

describe('berth build: bad inputs', { skip }, () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;
  let work: string;
  const berth = (args: string[]) =>
    runBerth(['-H', `unix://${dirs.socket}`, ...args], {}, { timeoutMs: 120_000 });
  const context = (files: Record<string, string>) => makeContext(work, files);
  /** Blob names and snapshot directories: what a build may add to the stores. */
  const stores = (): string[] => {
    const blobs = readdirSync(join(dirs.root, 'content/blobs/sha256')).map((b) => `blob ${b}`);
    const snapRoot = join(dirs.root, 'snapshots');
    const snaps = readdirSync(snapRoot).flatMap((driver) =>
      readdirSync(join(snapRoot, driver)).map((id) => `snapshot ${driver}/${id}`),
    );
    return [...blobs, ...snaps].sort();
  };

  before(async () => {
    dirs = await tempDirs('berth-build-errors-');
    work = mkdtempSync(join(tmpdir(), 'berth-build-errors-work-'));
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    const r = await berth(['import', makeBusyboxTarball(work, join(work, 'busybox.tar')), BASE]);
    assert.equal(r.code, 0, r.stderr);
    const w = await berth(['build', '-t', 'warm:1', context({ Dockerfile: WARM, a: 'a\n' })]);
    assert.equal(w.code, 0, w.stderr);
  });
  after(async () => {
    await daemon?.removeContainersAndStop();
    if (work) rmSync(work, { recursive: true, force: true });
    await dirs?.cleanup();
  });

  const cases: {
    name: string;
    dockerfile: string;
    line: number;
    reason: RegExp;
    code?: number;
    setup?: (dir: string) => void;
  }[] = [
    {
      name: 'unknown instruction',
      dockerfile: `${WARM}FOO bar\n`,
      line: 3,
      reason: /unknown instruction: FOO/,
    },
    { name: 'bad flag', dockerfile: `${WARM}COPY --bogus=1 a /b\n`, line: 3, reason: /unknown flag: bogus/ },
    {
      name: 'a stage that does not exist',
      dockerfile: `${WARM}COPY --from=nostage /x /x\n`,
      line: 3,
      reason: /--from=nostage: no build stage of that name or index, and no image nostage/,
    },
    {
      name: 'COPY of a missing file',
      dockerfile: `${WARM}COPY nothere /x\n`,
      line: 3,
      reason: /file not found in build context.*nothere/,
    },
    {
      name: 'a failing RUN',
      dockerfile: `${WARM}RUN echo partial > /f && exit 3\n`,
      line: 3,
      reason: /returned a non-zero code: 3/,
      code: 3,
    },
    {
      name: 'a path outside the context',
      dockerfile: `${WARM}COPY ../x /x\n`,
      line: 3,
      reason: /not found.*\.\.\/x/,
    },
    {
      name: 'a symlink in the context pointing outside it',
      dockerfile: `${WARM}COPY link/passwd /x\n`,
      line: 3,
      reason: /not found.*link\/passwd/,
      setup: (dir) => symlinkSync('/etc', join(dir, 'link')),
    },
  ];
  for (const c of cases) {
    it(`${c.name}: fails with the line and the reason, tags nothing, adds nothing`, async () => {
      const dir = context({ Dockerfile: c.dockerfile, a: 'a\n' });
      c.setup?.(dir);
      writeFileSync(join(work, 'x'), 'outside\n');
      const before = stores();
      const tag = `bad:${c.name.toLowerCase().replace(/[^a-z]+/g, '-')}`;
      const r = await berth(['build', '-t', tag, dir]);
      assert.equal(r.code, c.code ?? 1, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, new RegExp(`Dockerfile:${c.line}\\b`), r.stderr);
      assert.match(r.stderr, c.reason);
      const inspect = await berth(['image', 'inspect', tag]);
      assert.notEqual(inspect.code, 0, `${tag} must not exist`);
      assert.deepEqual(stores(), before, 'the failed build left blobs or snapshots behind');
    });
  }

  it('--iidfile gets the image ID; a failed build removes an old one', async () => {
    const file = join(work, 'iid');
    const ok = await berth([
      'build',
      '--iidfile',
      file,
      '-t',
      'iid:1',
      context({ Dockerfile: WARM, a: 'a\n' }),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const id = readFileSync(file, 'utf8');
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    const inspected = await berth(['image', 'inspect', '--format', '{{.Id}}', 'iid:1']);
    assert.equal(inspected.stdout.trim(), id);
    const bad = await berth([
      'build',
      '--iidfile',
      file,
      context({ Dockerfile: `${WARM}RUN exit 2\n`, a: 'a\n' }),
    ]);
    assert.equal(bad.code, 2);
    assert.equal(existsSync(file), false);
  });

  it('--progress: plain prints the lines, a bad value is refused, -q prints the ID only', async () => {
    const dir = context({ Dockerfile: WARM, a: 'a\n' });
    const plain = await berth(['build', '--progress=plain', dir]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^Step 2\/2 : COPY a \/a$/m);
    assert.ok(!plain.stdout.includes('\x1b['), 'plain mode never draws');
    const auto = await berth(['build', dir]);
    assert.ok(!auto.stdout.includes('\x1b['), 'auto does not draw when stdout is not a terminal');
    const bad = await berth(['build', '--progress=fancy', dir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid progress mode fancy/);
    const quiet = await berth(['build', '-q', dir]);
    assert.match(quiet.stdout, /^sha256:[0-9a-f]{64}\n$/);
  });

  it('--progress=tty on a terminal shows each step with DONE or CACHED', { skip: ptyMissing() }, () => {
    const dir = context({ Dockerfile: `${WARM}RUN echo tty-output\n`, a: 'a\n' });
    const r = runInPty(
      [process.execPath, BERTH_BIN, '-H', `unix://${dirs.socket}`, 'build', '--progress=tty', dir],
      '',
      cleanEnv(),
      0.2,
    );
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /\[1\/3\] FROM busybox:build {2}\d+\.\ds DONE/);
    assert.match(r.output, /\[2\/3\] COPY a \/a {2}\d+\.\ds CACHED/);
    assert.match(r.output, /\[3\/3\] RUN echo tty-output {2}\d+\.\ds DONE/);
    assert.match(r.output, /\x1b\[\d+A/, 'the rows are redrawn in place');
    assert.match(r.output, /Successfully built [0-9a-f]{12}/);
  });
});
