import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ImageStore } from '../../image/image-store.ts';
import { type Digest, digestOf } from '../../oci/digest.ts';
import { DockerfileError, parseDockerfile, type RunInstruction } from '../dockerfile/index.ts';
import { BuildSecrets } from './build-secrets.ts';
import { neededStages } from './builder.ts';
import { mountRunMounts, planRunMounts, type RunMountSources, secretIdOf } from './run-mounts.ts';

/** The RUN on the Dockerfile's line 2 (after `FROM scratch`). */
const run = (line: string) =>
  parseDockerfile(`FROM scratch\n${line}\n`, { file: 'Dockerfile' }).stages[0]
    .instructions[0] as RunInstruction;

describe('RUN --mount planning', () => {
  let ctx: string;
  let scratch: string;
  let src: RunMountSources;
  const stageChain = digestOf('stage gen') as Digest;
  before(() => {
    ctx = mkdtempSync(join(tmpdir(), 'berth-run-mounts-ctx-'));
    scratch = mkdtempSync(join(tmpdir(), 'berth-run-mounts-scratch-'));
    mkdirSync(join(ctx, 'data'));
    writeFileSync(join(ctx, 'data', 'a.txt'), 'a');
    symlinkSync('/../../etc', join(ctx, 'escape'));
    src = {
      contextDir: ctx,
      scratch,
      store: {} as ImageStore,
      snapshotOf: async (from) => {
        if (from === 'gen') return stageChain;
        if (from === 'empty') return undefined;
        throw new Error(`no stage or image ${from}`);
      },
    };
  });
  after(() => {
    rmSync(ctx, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses type=ssh, naming the line', async () => {
    await assert.rejects(planRunMounts(run('RUN --mount=type=ssh ls'), '/', src), (err: unknown) => {
      assert.ok(err instanceof DockerfileError);
      assert.equal(err.line, 2);
      assert.match(
        err.message,
        /^Dockerfile:2:1: RUN --mount=type=ssh ls: --mount=type=ssh is not supported/,
      );
      return true;
    });
  });

  it('makes targets absolute against the working directory and gives secrets their default target', async () => {
    const plan = await planRunMounts(
      run(
        'RUN --mount=type=tmpfs,target=t --mount=type=secret,id=tok --mount=type=secret,source=npmrc --mount=type=secret,target=/x/key --mount=type=cache,target=../c true',
      ),
      '/w/sub',
      src,
    );
    const byTarget = Object.fromEntries(plan.mounts.map((m) => [m.target, m.id ?? null]));
    assert.deepEqual(byTarget, {
      '/w/sub/t': null,
      '/run/secrets/tok': 'tok',
      '/run/secrets/npmrc': 'npmrc',
      '/x/key': 'key',
      '/w/c': '/w/c',
    });
    assert.deepEqual(
      plan.mounts.map((m) => m.target),
      ['/x/key', '/w/c', '/w/sub/t', '/run/secrets/tok', '/run/secrets/npmrc'],
      'outer targets first',
    );
    assert.equal(secretIdOf({ type: 'secret', readOnly: true, target: '/a/b' }), 'b');
  });

  it('refuses two mounts on one target, a mount on /, and a bind source the context lacks', async () => {
    await assert.rejects(
      planRunMounts(run('RUN --mount=type=tmpfs,target=/a --mount=type=cache,target=/a/ true'), '/', src),
      /Dockerfile:2:1: .*\/a is the target of two mounts/,
    );
    await assert.rejects(
      planRunMounts(run('RUN --mount=type=tmpfs,target=/.. true'), '/', src),
      /cannot mount on \//,
    );
    await assert.rejects(
      planRunMounts(run('RUN --mount=type=bind,source=nope,target=/n true'), '/', src),
      /Dockerfile:2:1: .*source=nope: not found in the build context/,
    );
    await assert.rejects(
      planRunMounts(run('RUN --mount=type=bind,from=other,target=/n true'), '/', src),
      /from=other: no stage or image other/,
    );
  });

  it('keys a bind of the context by content, of a stage by its snapshot, a cache from a stage by it too', async () => {
    const bind = run('RUN --mount=type=bind,source=data,target=/d true');
    const before = (await planRunMounts(bind, '/', src)).inputs;
    assert.deepEqual((await planRunMounts(bind, '/', src)).inputs, before, 'the same files, the same key');
    writeFileSync(join(ctx, 'data', 'a.txt'), 'changed');
    assert.notDeepEqual((await planRunMounts(bind, '/', src)).inputs, before, 'a changed file, another key');
    // A symlink in the context resolves inside it.
    await assert.rejects(
      planRunMounts(run('RUN --mount=type=bind,source=escape/passwd,target=/p true'), '/', src),
      /not found in the build context/,
    );

    const fromStage = await planRunMounts(run('RUN --mount=type=bind,from=gen,target=/g true'), '/', src);
    assert.deepEqual(fromStage.inputs, [{ from: stageChain, source: '/' }]);
    const cache = await planRunMounts(
      run('RUN --mount=type=cache,target=/c,from=gen --mount=type=cache,target=/e,id=e,from=empty true'),
      '/',
      src,
    );
    assert.deepEqual(
      cache.mounts.map((m) => m.id),
      [`/c\nfrom ${stageChain}:/`, 'e\nfrom empty:/'],
    );
    assert.deepEqual(cache.inputs, [{ from: stageChain }, { from: 'empty' }]);
    assert.equal((await planRunMounts(run('RUN true'), '/', src)).inputs, undefined);
  });

  it('mounts a secret as a read-only file of its own, leaves an absent optional one out, fails a required one', async () => {
    const secrets = new BuildSecrets([['tok', Buffer.from('value')]]);
    const withSecrets = { ...src, secrets, secretsDir: join(scratch, 'secrets') };
    const instr = run(
      'RUN --mount=type=secret,id=tok --mount=type=secret,id=absent --mount=type=tmpfs,target=/t,size=1k true',
    );
    const mounts = await mountRunMounts(instr, await planRunMounts(instr, '/', withSecrets), withSecrets);
    try {
      assert.equal(mounts.specs.length, 2);
      const secret = mounts.specs.find((m) => m.Type === 'bind');
      const tmpfs = mounts.specs.find((m) => m.Type === 'tmpfs');
      assert.equal(secret?.Target, '/run/secrets/tok');
      assert.equal(secret?.ReadOnly, true);
      assert.deepEqual(tmpfs, { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024 } });
    } finally {
      await mounts.release();
    }
    const { readdirSync } = await import('node:fs');
    assert.deepEqual(readdirSync(join(scratch, 'secrets')), [], 'released: the secret file is gone');
    const required = run('RUN --mount=type=secret,id=absent,required true');
    await assert.rejects(
      mountRunMounts(required, await planRunMounts(required, '/', withSecrets), withSecrets),
      /Dockerfile:2:1: .*secret absent not found/,
    );
  });

  it('a stage a RUN mounts from is a stage the target needs', () => {
    const p = parseDockerfile(
      'FROM scratch AS gen\nFROM scratch AS unused\nFROM scratch\nRUN --mount=type=bind,from=gen,target=/g true\n',
    );
    const needed = neededStages(p.stages, p.stages[2], (s) => s.from.image).map((s) => s.index);
    assert.deepEqual(needed, [0, 2]);
  });
});
