// `berth build` as a user runs it, as root on the real kernel: Dockerfiles on the
// busybox test image, built by a daemon on a temporary root; the results checked
// with `image inspect` and `berth run`. Also the docker CLI's classic builder
// (DOCKER_BUILDKIT=0) pointed at berthd, when it is installed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  berthOn,
  cleanEnv,
  findDocker,
  REPO,
  run,
  type TempDirs,
  TestDaemon,
  tempDirs,
} from './helpers/berth.ts';
import { makeContext } from './helpers/build-context.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (namespaces, overlayfs)' : busyboxMissing();
const BASE = 'busybox:build';

describe('berth build', { skip }, () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;
  let work: string;
  const { berth, ok } = berthOn(() => dirs.socket, 120_000);
  const context = (files: Record<string, string>) => makeContext(work, files);
  const inspect = async (ref: string, format: string) =>
    (await ok('image', 'inspect', '--format', format, ref)).trim();

  before(async () => {
    dirs = await tempDirs('berth-build-');
    work = mkdtempSync(join(tmpdir(), 'berth-build-work-'));
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state });
    await ok('import', makeBusyboxTarball(work, join(work, 'busybox.tar')), BASE);
  });
  after(async () => {
    await daemon?.removeContainersAndStop();
    rmSync(work, { recursive: true, force: true });
    await dirs?.cleanup();
  });

  it('metadata instructions land in the config, with nop history entries', async () => {
    const dir = context({
      Dockerfile: [
        `FROM ${BASE}`,
        'ENV A=1 B="two words"',
        'LABEL org.example=yes',
        'WORKDIR /srv/app',
        'USER 1000:1000',
        'EXPOSE 8080 53/udp',
        'VOLUME /data',
        'STOPSIGNAL SIGINT',
        'ENTRYPOINT ["/bin/sh"]',
        'CMD ["-c", "echo hi"]',
        '',
      ].join('\n'),
    });
    const out = await ok('build', '-t', 'meta:1', dir);
    assert.match(out, /^Step 1\/10 : FROM busybox:build$/m);
    assert.match(out, /^Step 6\/10 : EXPOSE 8080 53\/udp$/m);
    assert.match(out, /^ ---> [0-9a-f]{12}$/m);
    assert.match(out, /^Successfully built [0-9a-f]{12}$/m);
    assert.match(out, /^Successfully tagged meta:1$/m);
    const env = JSON.parse(await inspect('meta:1', '{{json .Config.Env}}')) as string[];
    assert.ok(env.includes('A=1') && env.includes('B=two words'), env.join());
    assert.equal(await inspect('meta:1', '{{.Config.WorkingDir}}'), '/srv/app');
    assert.equal(await inspect('meta:1', '{{.Config.User}}'), '1000:1000');
    assert.equal(await inspect('meta:1', '{{json .Config.Entrypoint}}'), '["/bin/sh"]');
    assert.equal(await inspect('meta:1', '{{json .Config.Cmd}}'), '["-c","echo hi"]');
    assert.equal(await inspect('meta:1', '{{json .Config.ExposedPorts}}'), '{"53/udp":{},"8080/tcp":{}}');
    assert.equal(await inspect('meta:1', '{{.Config.StopSignal}}'), 'SIGINT');
    assert.equal(await inspect('meta:1', '{{index .Config.Labels "org.example"}}'), 'yes');
    const history = await ok('history', '--no-trunc', '--format', '{{.CreatedBy}}', 'meta:1');
    assert.match(history, /\/bin\/sh -c #\(nop\) {2}CMD \["-c" "echo hi"\]/);
    assert.match(history, /\/bin\/sh -c #\(nop\) {2}WORKDIR \/srv\/app/);
  });

  it('RUN writes files the image has; build args reach RUN; COPY copies files and directories', async () => {
    const dir = context({
      Dockerfile: [
        `FROM ${BASE}`,
        'ARG WHO=nobody',
        'COPY one.txt /etc/one.txt',
        'COPY tree /opt/tree/',
        'COPY *.md /docs/',
        'RUN echo "made by $WHO" > /made.txt && mkdir -p /var/x && echo out-line',
        'CMD ["cat", "/made.txt", "/etc/one.txt", "/opt/tree/a", "/opt/tree/sub/b", "/docs/r1.md", "/docs/r2.md"]',
        '',
      ].join('\n'),
      'one.txt': 'one\n',
      'tree/a': 'a\n',
      'tree/sub/b': 'b\n',
      'r1.md': 'r1\n',
      'r2.md': 'r2\n',
      'ignored.md': 'no\n',
      '.dockerignore': 'ignored.md\n',
    });
    const out = await ok('build', '-t', 'files:1', '--build-arg', 'WHO=tester', dir);
    assert.match(out, /^ ---> Running in [0-9a-f]{12}$/m);
    assert.match(out, /^out-line$/m);
    const r = await berth(['run', '--rm', 'files:1']);
    assert.equal(r.stdout, 'made by tester\none\na\nb\nr1\nr2\n', r.stderr);
    const ls = await berth(['run', '--rm', 'files:1', 'ls', '/docs']);
    assert.equal(ls.stdout, 'r1.md\nr2.md\n', 'the .dockerignore kept ignored.md out');
  });

  it("a failing RUN stops the build with Docker's message and its exit code", async () => {
    const dir = context({ Dockerfile: `FROM ${BASE}\nRUN exit 3\nRUN echo never\n` });
    const r = await berth(['build', dir]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /The command '\/bin\/sh -c exit 3' returned a non-zero code: 3/);
    assert.doesNotMatch(r.stdout, /never/);
    const missing = await berth(['build', context({ Dockerfile: `FROM ${BASE}\nCOPY nope.txt /\n` })]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.txt/);
  });

  it('multi-stage: COPY --from, --target builds only the stages needed', async () => {
    const dockerfile = [
      `FROM ${BASE} AS builder`,
      'RUN echo artefact > /artefact',
      `FROM ${BASE} AS unused`,
      'RUN echo should-not-run',
      `FROM ${BASE}`,
      'COPY --from=builder /artefact /final',
      'CMD ["cat", "/final"]',
      '',
    ].join('\n');
    const dir = context({ Dockerfile: dockerfile });
    const out = await ok('build', '-t', 'multi:final', dir);
    assert.doesNotMatch(out, /should-not-run/, 'a stage the target does not need is not built');
    assert.equal((await berth(['run', '--rm', 'multi:final'])).stdout, 'artefact\n');
    const t = await ok('build', '--target', 'builder', '-t', 'multi:builder', '-t', 'multi:also', dir);
    assert.match(t, /^Step 2\/2 : RUN echo artefact > \/artefact$/m);
    assert.match(t, /^Successfully tagged multi:also$/m);
    assert.equal((await berth(['run', '--rm', 'multi:builder', 'cat', '/artefact'])).stdout, 'artefact\n');
  });

  it('a stage FROM a stage with ONBUILD COPY --from gets the stage that trigger names built first', async () => {
    const dir = context({
      Dockerfile: [
        `FROM ${BASE} AS assets`,
        'RUN echo asset > /asset',
        `FROM ${BASE} AS template`,
        'ONBUILD COPY --from=assets /asset /from-trigger',
        'FROM template',
        'CMD ["cat", "/from-trigger"]',
        '',
      ].join('\n'),
    });
    const out = await ok('build', '-t', 'onbuild:from', dir);
    assert.match(out, /# Executing 1 build trigger/);
    assert.equal((await berth(['run', '--rm', 'onbuild:from'])).stdout, 'asset\n');
  });

  it('builds the README example', async () => {
    await ok('tag', BASE, 'busybox:demo');
    await ok('build', '-t', 'hello', join(REPO, 'examples', 'hello'));
    assert.equal((await berth(['run', '--rm', 'hello'])).stdout, 'hello from berth\nbuilt with hello\n');
  });

  it('the docker CLI builds with the classic builder against berthd', {
    skip: findDocker() ? false : 'no docker CLI',
  }, async () => {
    const dir = context({ Dockerfile: `FROM ${BASE}\nRUN echo via-docker > /d\nCMD ["cat", "/d"]\n` });
    const r = await run(findDocker() as string, ['build', '-t', 'viadocker:1', dir], {
      env: cleanEnv({ DOCKER_HOST: `unix://${dirs.socket}`, DOCKER_BUILDKIT: '0' }),
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Successfully tagged viadocker:1/);
    assert.equal((await berth(['run', '--rm', 'viadocker:1'])).stdout, 'via-docker\n');
  });
});
