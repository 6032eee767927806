// OciCommandRuntime driving the real runc, as root on the real kernel: containers run by
// `runc run` under berth-native's monitor, in a runc state root of their own.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { busyboxMissing, makeBusyboxRootfs } from '../../../test/helpers/busybox.ts';
import { LaunchError } from '../launch/launch-error.ts';
import { nativeBinaryPath } from '../launch/native-binary.ts';
import type { Process, Spec } from '../spec/types.ts';
import { OciCommandRuntime } from './oci-command-runtime.ts';
import { findCommand } from './runtime-commands.ts';

const RUNC = findCommand('runc', process.env.PATH ?? '');
const skip =
  process.getuid?.() !== 0
    ? 'needs root'
    : !RUNC
      ? 'runc is not installed (apt install runc)'
      : busyboxMissing();

/** The tests' cgroups, removed (with the parent runc leaves behind) at the end. */
const CGROUP_PARENT = `/berth-oci-command-test-${process.pid}`;

function collect(r: Readable | null | undefined): Promise<string> {
  if (!r) return Promise.resolve('');
  const chunks: Buffer[] = [];
  r.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => r.on('close', () => resolve(Buffer.concat(chunks).toString('utf8'))));
}

describe('OciCommandRuntime on runc', { skip }, () => {
  let work: string;
  let rt: OciCommandRuntime;
  let rootfs: string;
  const ids: string[] = [];

  /** A bundle from `runc spec` running `args` on the busybox rootfs. */
  function bundle(id: string, args: string[]): string {
    const dir = join(work, id);
    execFileSync(RUNC!, ['spec', '--bundle', work]);
    const spec = JSON.parse(readFileSync(join(work, 'config.json'), 'utf8')) as Spec;
    spec.root = { path: rootfs, readonly: true };
    spec.process!.terminal = false;
    spec.process!.args = args;
    spec.linux!.cgroupsPath = `${CGROUP_PARENT}/${id}`;
    execFileSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
    rmSync(join(work, 'config.json'));
    ids.push(id);
    return dir;
  }

  async function started(id: string, args: string[]) {
    await rt.create(id, bundle(id, args), { keepMonitor: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const handle = rt.waitHeld(id)!;
    const out = collect(handle.stdout);
    const err = collect(handle.stderr);
    await rt.start(id);
    return { handle, out, err };
  }

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'berth-oci-command-'));
    rootfs = makeBusyboxRootfs(join(work, 'rootfs'));
    rt = new OciCommandRuntime({
      name: 'runc',
      path: RUNC!,
      root: join(work, 'state'),
      files: join(work, 'files'),
      nativeBinary: nativeBinaryPath(),
    });
  });
  after(async () => {
    for (const id of ids) await rt.delete(id, { force: true }).catch(() => {});
    rmSync(work, { recursive: true, force: true });
    for (const dir of [
      join('/sys/fs/cgroup', CGROUP_PARENT),
      ...readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h, CGROUP_PARENT)),
    ]) {
      try {
        rmdirSync(dir);
      } catch {}
    }
  });

  it('runs a container to its end: output, exit status, stopped until deleted', async () => {
    const { handle, out, err } = await started('c-exit', ['sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.deepEqual(await handle.wait(), { exitCode: 7, signal: 0 });
    assert.equal(await out, 'out\n');
    assert.equal(await err, 'err\n');
    assert.equal((await rt.state('c-exit')).status, 'stopped');
    assert.equal(await rt.oomKilled('c-exit'), false);
    await rt.delete('c-exit');
    await assert.rejects(() => rt.state('c-exit'), { code: 'NotFound' });
    assert.equal(existsSync(join(work, 'files', 'c-exit')), false);
  });

  it('runs a long-lived container: state, list, ps, exec, pause, kill', async () => {
    const { handle } = await started('c-live', ['sleep', '1000']);
    const state = await rt.state('c-live');
    assert.equal(state.status, 'running');
    assert.equal(handle.pid, state.pid, 'the held handle names the container’s init once started');
    assert.match(readFileSync(`/proc/${state.pid}/cmdline`, 'utf8'), /^sleep\0/);
    assert.deepEqual(
      (await rt.list()).map((s) => s.id),
      ['c-live'],
    );
    assert.ok((await rt.pids('c-live')).includes(state.pid ?? 0));
    assert.equal(rt.savedSpec('c-live').process?.args?.[0], 'sleep');

    const base = rt.savedSpec('c-live').process!;
    const proc: Process = { ...base, args: ['sh', '-c', 'echo in-exec; exit 4'] };
    const p = await rt.exec('c-live', proc, { stdio: ['ignore', 'pipe', 'pipe'] });
    const execOut = collect(p.stdout);
    assert.equal((await p.wait()).exitCode, 4);
    assert.equal(await execOut, 'in-exec\n');

    const tty = await rt.exec(
      'c-live',
      { ...base, args: ['busybox', 'tty'], terminal: true },
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    const ttyOut = collect(tty.stdout);
    assert.equal((await tty.wait()).exitCode, 0);
    tty.stdin?.destroy();
    assert.match(await ttyOut, /^\/dev\/pts\/\d+\r?\n/);

    await assert.rejects(
      () =>
        rt.exec('c-live', { ...base, args: ['no-such-program'] }, { stdio: ['ignore', 'ignore', 'ignore'] }),
      (e: unknown) => e instanceof LaunchError && e.step === 'exec' && e.errno === 'ENOENT',
    );

    await rt.pause('c-live');
    assert.equal((await rt.state('c-live')).status, 'paused');
    await assert.rejects(() => rt.exec('c-live', proc), /cannot exec in a paused container/);
    await rt.resume('c-live');
    await rt.update('c-live', { pids: { limit: 50 } });
    // the init is pid 1 of its namespace, which ignores a SIGTERM it has no handler for
    await rt.kill('c-live', 9);
    assert.deepEqual(await handle.wait(), { exitCode: 137, signal: 0 });
    await assert.rejects(() => rt.kill('c-live', 9), { code: 'FailedPrecondition' });
    await rt.delete('c-live');
  });

  it('reports a program that is not in the image as the launcher does, and cleans up with delete', async () => {
    await rt.create('c-missing', bundle('c-missing', ['no-such-program']), {
      keepMonitor: true,
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    await assert.rejects(
      () => rt.start('c-missing'),
      (e: unknown) =>
        e instanceof LaunchError && e.errno === 'ENOENT' && /executable file not found/.test(e.message),
    );
    await rt.delete('c-missing', { force: true });
    assert.deepEqual(await rt.list(), []);
  });

  it('lets go of a created container that is deleted before it starts', async () => {
    const created = await rt.create('c-never', bundle('c-never', ['true']), { keepMonitor: true });
    assert.equal((await rt.state('c-never')).status, 'created');
    assert.equal(rt.holds('c-never'), true);
    await rt.delete('c-never');
    assert.equal(rt.holds('c-never'), false);
    await assert.rejects(() => rt.state('c-never'), { code: 'NotFound' });
    assert.ok(created.pid > 0);
  });

  it('refuses a container without berth’s monitor (a foreground runtime needs one)', async () => {
    await assert.rejects(() => rt.create('c-detached', bundle('c-detached', ['true'])), /shim or monitor/);
  });
});
