// Cancelling a build, as root on the real kernel: a failing stage stops the
// stages running beside it, and a client that goes away stops its build. Each
// long RUN writes `started` to a cache mount, sleeps a minute, then writes
// `finished`. A later build mounts the same cache with sharing=locked, so it
// waits for that RUN to end and reads what it left: `finished` only if the RUN
// was not killed (and that build then takes the whole minute).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mountpointsUnder } from '../src/engine/rootfs-mount.ts';
import {
  BERTH_BIN,
  berthOn,
  cleanEnv,
  ensureBuilt,
  pidAlive,
  type TempDirs,
  TestDaemon,
  tempDirs,
  waitFor,
} from './helpers/berth.ts';
import { makeContext } from './helpers/build-context.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (namespaces, overlayfs)' : busyboxMissing();
const BASE = 'busybox:cancel';

/** A RUN that marks a cache mount `started` (then runs `then`), and `finished` a minute later. */
const longRun = (id: string, mounts = '', then = 'true') =>
  `RUN ${mounts} --mount=type=cache,target=/probe,id=${id},sharing=locked sh -c 'echo started > /probe/state; ${then}; sleep 60; echo finished > /probe/state'`;

describe('cancelling a build', { skip }, () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;
  let work: string;
  const { berth, ok } = berthOn(() => dirs.socket, 150_000);
  const context = (dockerfile: string[]) => makeContext(work, { Dockerfile: `${dockerfile.join('\n')}\n` });

  /** What the long RUN of cache `id` left, once it has ended: `started`, `finished` or `absent`. */
  async function probe(id: string): Promise<string> {
    const tag = `probe:${id}`;
    await ok(
      'build',
      '--no-cache',
      '-t',
      tag,
      context([
        `FROM ${BASE}`,
        `RUN --mount=type=cache,target=/probe,id=${id},sharing=locked sh -c 'cat /probe/state 2>/dev/null || echo absent' > /state`,
      ]),
    );
    return (await ok('run', '--rm', tag, 'cat', '/state')).trim();
  }

  before(async () => {
    ensureBuilt();
    dirs = await tempDirs('berth-build-cancel-');
    work = mkdtempSync(join(tmpdir(), 'berth-build-cancel-work-'));
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    await ok('import', makeBusyboxTarball(work, join(work, 'busybox.tar')), BASE);
  });
  after(async () => {
    await daemon?.stop();
    rmSync(work, { recursive: true, force: true });
    await dirs?.cleanup();
  });

  it('a failing stage kills the RUN of a stage running beside it; the error is the failing step', async () => {
    const dir = context([
      `FROM ${BASE} AS slow`,
      // Marks its start in a cache the other stage waits on, so the failure comes while it runs.
      longRun(
        'stage-probe',
        '--mount=type=cache,target=/signal,id=stage-signal',
        'touch /signal/slow-running',
      ),
      `FROM ${BASE} AS failing`,
      "RUN --mount=type=cache,target=/signal,id=stage-signal sh -c 'until [ -e /signal/slow-running ]; do sleep 0.1; done; exit 3'",
      `FROM ${BASE}`,
      'COPY --from=slow /bin/busybox /a',
      'COPY --from=failing /bin/busybox /b',
    ]);
    const r = await berth(['build', '-t', 'cancel:stages', dir]);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /Dockerfile:4: .*returned a non-zero code: 3/);
    assert.doesNotMatch(r.stderr, /cancelled/, 'the cause is reported, not the cancellation');
    assert.equal(await probe('stage-probe'), 'started', "the slow stage's RUN was killed");
  });

  it('a client that goes away cancels its build and kills the running RUN', async () => {
    const dir = context([`FROM ${BASE}`, longRun('client-probe')]);
    const client = spawn(process.execPath, [BERTH_BIN, '-H', `unix://${dirs.socket}`, 'build', dir], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => client.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      client.stdout?.on('data', (d) => {
        out += d;
        if (out.includes('Running in')) resolve();
      });
      client.once('exit', () => reject(new Error(`the build ended before its RUN started:\n${out}`)));
    });
    if (client.pid) process.kill(client.pid, 'SIGKILL');
    await exited;
    assert.match(await probe('client-probe'), /^(started|absent)$/, 'the RUN did not run to its end');
  });

  it("a daemon killed mid-build: its next start kills the step's container, unmounts and removes what the build left", async () => {
    const secret = join(work, 'secret.txt');
    writeFileSync(secret, 'crash-secret');
    const dir = context([
      `FROM ${BASE} AS source`,
      'RUN echo from-stage > /s',
      `FROM ${BASE}`,
      'COPY --from=source /s /s',
      'RUN --mount=type=bind,from=source,target=/m --mount=type=secret,id=k --mount=type=cache,target=/c,id=kept sh -c "touch /c/kept; sleep 300"',
    ]);
    const client = spawn(
      process.execPath,
      [BERTH_BIN, '-H', `unix://${dirs.socket}`, 'build', '--secret', `id=k,src=${secret}`, dir],
      { env: cleanEnv(), stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const clientExit = new Promise((resolve) => client.once('exit', resolve));
    let out = '';
    client.stdout?.on('data', (d) => {
      out += d;
    });
    await waitFor(
      () => out.includes('Running in') && out.includes('Step 5/5'),
      'the long RUN to start',
      60_000,
    );
    const runtimeDir = join(dirs.state, 'runtime');
    // The step's container as the runtime keeps it: its process and cgroups.
    let state: { pid: number; cgroupDirs?: string[] } | undefined;
    await waitFor(() => {
      for (const id of readdirSync(runtimeDir)) {
        const file = join(runtimeDir, id, 'state.json');
        if (existsSync(file)) state = JSON.parse(readFileSync(file, 'utf8'));
      }
      return state?.pid !== undefined && readdirSync(join(dirs.state, 'build-secrets')).length > 0;
    }, "the step's container and its secret file");
    // The RUN itself has started once it has touched its cache mount.
    const cacheMounts = join(dirs.root, 'build', 'cache-mounts');
    await waitFor(
      () => readdirSync(cacheMounts).some((c) => existsSync(join(cacheMounts, c, '0', 'kept'))),
      'the RUN to run',
    );
    assert.ok((await mountpointsUnder(dirs.root)).length > 0, 'the build has mounts under the root');
    // The step's runtime spec holds its environment, secrets set with env= included: owner-only.
    const specs = [
      ...readdirSync(join(dirs.root, 'build'))
        .filter((d) => d.startsWith('step-'))
        .map((d) => join(dirs.root, 'build', d, 'config.json')),
      ...readdirSync(runtimeDir).map((id) => join(runtimeDir, id, 'config.json')),
    ];
    assert.equal(specs.length, 2, specs.join(' '));
    for (const spec of specs) assert.equal(statSync(spec).mode & 0o777, 0o600, spec);

    await daemon.stop('SIGKILL');
    await clientExit;
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    const st = state as { pid: number; cgroupDirs?: string[] };
    await waitFor(() => !pidAlive(st.pid), "the step's process to be gone", 10_000);
    for (const cg of st.cgroupDirs ?? []) assert.equal(existsSync(cg), false, `${cg} is removed`);
    assert.deepEqual(await mountpointsUnder(dirs.root), [], 'nothing is mounted under the root');
    assert.deepEqual(readdirSync(join(dirs.root, 'build')), ['cache-mounts'], 'only the cache mounts stay');
    assert.deepEqual(readdirSync(join(dirs.state, 'build-secrets')), [], 'no secret file is left');
    assert.deepEqual(readdirSync(runtimeDir), [], 'the runtime keeps no container');
    assert.match(
      daemon.stderr,
      /removing container [0-9a-f]{12} of no record \((creating|created|running)\), left by a crash/,
    );
    // And builds work again, the cache mount kept.
    const next = context([`FROM ${BASE}`, 'RUN --mount=type=cache,target=/c,id=kept test -e /c/kept']);
    await ok('build', next);
  });
});
