// Images pulled when run, create and build need them: an image pushed to Debian's
// distribution registry from one berth root, then used by name from a second root
// that does not have it, with Docker's --pull policies (missing, always, never).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBerth, type TempDirs, TestDaemon, tempDirs } from './helpers/berth.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';
import { registryMissing, TestRegistry } from './helpers/registry.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (containers)' : (busyboxMissing() ?? registryMissing());

describe('pulling on demand in run, create and build', { skip }, () => {
  let registry: TestRegistry;
  let source: { dirs: TempDirs; daemon: TestDaemon };
  let target: { dirs: TempDirs; daemon: TestDaemon };
  let work: string;
  let image: string;
  const on = (d: TempDirs, args: string[]) => runBerth(['-H', `unix://${d.socket}`, ...args]);
  async function ok(d: TempDirs, ...args: string[]) {
    const r = await on(d, args);
    assert.equal(r.code, 0, `berth ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r;
  }
  const startDaemon = async () => {
    const dirs = await tempDirs('berth-pull-demand-');
    return { dirs, daemon: await TestDaemon.start({ root: dirs.root, state: dirs.state }) };
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-pull-demand-work-'));
    registry = await TestRegistry.start();
    source = await startDaemon();
    target = await startDaemon();
    image = `${registry.host}/demand/busybox:1`;
    await ok(source.dirs, 'import', makeBusyboxTarball(work, join(work, 'bb.tar')), image);
    await ok(source.dirs, 'push', image);
  });
  after(async () => {
    for (const side of [source, target]) {
      if (!side) continue;
      const ids = (await on(side.dirs, ['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await on(side.dirs, ['rm', '-f', ...ids]);
      await side.daemon.stop();
      await side.dirs.cleanup();
    }
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('run pulls a missing image, and --pull never refuses one it does not have', async () => {
    const never = await on(target.dirs, ['run', '--rm', '--pull', 'never', image, 'true']);
    assert.equal(never.code, 125);
    assert.match(never.stderr, /No such image/);
    const r = await ok(target.dirs, 'run', '--rm', image, 'sh', '-c', 'echo pulled and ran');
    assert.equal(r.stdout, 'pulled and ran\n');
    assert.match(r.stderr, new RegExp(`Unable to find image '${image.replace(/[.]/g, '\\.')}' locally`));
    // now present: no pull
    const again = await ok(target.dirs, 'run', '--rm', image, 'true');
    assert.doesNotMatch(again.stderr, /Unable to find image/);
  });

  it('create --pull always asks the registry again; build pulls its FROM image', async () => {
    const created = await ok(target.dirs, 'create', '--pull', 'always', image, 'true');
    assert.match(created.stderr, /Pulling from demand\/busybox|Image is up to date|Status:/);
    await ok(target.dirs, 'rm', created.stdout.trim());
    await ok(target.dirs, 'rmi', image);
    const ctx = join(work, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${image}\nRUN echo built > /built\n`);
    await ok(target.dirs, 'build', '-t', 'demand:built', ctx);
    const r = await ok(target.dirs, 'run', '--rm', 'demand:built', 'cat', '/built');
    assert.equal(r.stdout, 'built\n');
  });
});
