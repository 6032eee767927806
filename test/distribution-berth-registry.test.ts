// berth's registry client (`berth pull`, `push`, `login` through a daemon) against
// berth's own registry server (`openRegistry`, as `berth registry serve` runs it):
// an image pushed from one daemon root comes back whole into another; logins to an
// htpasswd and to a token registry succeed with the right password and fail with a
// wrong one; and skopeo stands in on the other end both ways, an image it pushed
// running in berth, and one berth pushed keeping its digest in skopeo's hands.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { openRegistry, parseConfig, type RegistryServer } from '../src/registry/index.ts';
import {
  cleanEnv,
  ensureBuilt,
  type RunResult,
  run,
  runBerth,
  type TempDirs,
  TestDaemon,
  tempDirs,
} from './helpers/berth.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';

const SKOPEO = '/usr/bin/skopeo';
const skopeoMissing = existsSync(SKOPEO) ? undefined : 'skopeo is not installed';
const notRoot = process.getuid?.() !== 0 ? 'needs root to run a container' : undefined;

interface Side {
  dirs: TempDirs;
  daemon: TestDaemon;
}

async function startSide(): Promise<Side> {
  const dirs = await tempDirs('berth-distribution-berth-registry-');
  try {
    return { dirs, daemon: await TestDaemon.start({ root: dirs.root, state: dirs.state }) };
  } catch (err) {
    await dirs.cleanup();
    throw err;
  }
}

async function stopSide(side: Side | undefined): Promise<void> {
  await side?.daemon.stop();
  await side?.dirs.cleanup();
}

describe("berth pull, push and login against berth's own registry", { skip: busyboxMissing() }, () => {
  let work: string;
  let htpasswd: string;
  let tarball: string;
  let env: Record<string, string>;
  let a: Side;
  let b: Side;
  const servers: RegistryServer[] = [];
  const sides: Side[] = [];

  const berth = (side: Side, ...args: string[]): Promise<RunResult> =>
    runBerth(['-H', `unix://${side.dirs.socket}`, ...args], env, { timeoutMs: 120_000 });
  async function berthOk(side: Side, ...args: string[]): Promise<string> {
    const r = await berth(side, ...args);
    assert.equal(r.code, 0, `berth ${args.join(' ')} failed:\n${r.stderr}`);
    return r.stdout;
  }
  const inspect = async (side: Side, name: string) =>
    JSON.parse(await berthOk(side, 'image', 'inspect', name))[0];
  /** Push `name` from `side`; the manifest digest berth reports. */
  async function push(side: Side, name: string): Promise<string> {
    const out = await berthOk(side, 'push', name);
    const m = /digest: (sha256:[0-9a-f]{64}) size: \d+$/.exec(out.trim().split('\n').at(-1)!);
    assert.ok(m, `no digest line in the push output:\n${out}`);
    return m[1];
  }
  const skopeo = (args: string[]) =>
    run(SKOPEO, args, {
      env: cleanEnv({ REGISTRY_AUTH_FILE: join(work, 'skopeo-auth.json') }),
      timeoutMs: 120_000,
    });

  /** berth's registry from config text; `auth` is the YAML of its auth section, if any. */
  async function startRegistry(name: string, auth?: string): Promise<string> {
    const root = join(work, `registry-${name}`);
    await mkdir(root);
    const text = [
      'version: 0.1',
      'http:',
      '  addr: 127.0.0.1:0',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${root}`,
      ...(auth ? ['auth:', ...auth.split('\n').map((l) => `  ${l}`)] : []),
      '',
    ].join('\n');
    const server = await openRegistry(parseConfig(text, `${name}.yml`), () => {});
    servers.push(server);
    return `127.0.0.1:${server.address.port}`;
  }

  before(async () => {
    ensureBuilt();
    work = await mkdtemp(join(tmpdir(), 'berth-distribution-berth-registry-'));
    htpasswd = join(work, 'htpasswd');
    const users = { alice: 'wonderland', bob: 'builder' };
    await writeFile(
      htpasswd,
      Object.entries(users)
        .map(([u, p]) => `${u}:${bcrypt.hashSync(p, 5)}\n`)
        .join(''),
    );
    await writeFile(join(work, 'skopeo-auth.json'), '{}');
    tarball = makeBusyboxTarball(work, join(work, 'busybox.tar'));
    env = { DOCKER_CONFIG: join(work, 'docker-config') };
    a = await startSide();
    sides.push(a);
    b = await startSide();
    sides.push(b);
  });

  after(async () => {
    for (const s of sides) await stopSide(s);
    for (const s of servers) await s.close(1000);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('push from one root, pull into another: same image ID and manifest digest', async () => {
    const host = await startRegistry('open');
    const name = `${host}/plain/busybox:1.0`;
    await berthOk(a, 'import', '-c', 'CMD ["sh"]', '-c', 'LABEL test=plain', tarball, name);
    const digest = await push(a, name);
    // What the registry itself holds under the tag.
    const head = await fetch(`http://${host}/v2/plain/busybox/manifests/1.0`, {
      method: 'HEAD',
      headers: {
        accept:
          'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
      },
    });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('docker-content-digest'), digest);

    const pulled = await berthOk(b, 'pull', name);
    assert.match(pulled, new RegExp(`Digest: ${digest}`));
    const [ia, ib] = [await inspect(a, name), await inspect(b, name)];
    assert.equal(ib.Id, ia.Id);
    assert.deepEqual(ib.RepoDigests, [`${host}/plain/busybox@${digest}`]);
    const byDigest = await berthOk(b, 'pull', `${host}/plain/busybox@${digest}`);
    assert.equal(byDigest.trim().split('\n').at(-1), `${host}/plain/busybox@${digest}`);
  });

  for (const kind of ['htpasswd', 'token'] as const) {
    it(`${kind} auth: berth login refuses a wrong password, takes the right one, and push and pull work`, async () => {
      const auth =
        kind === 'htpasswd'
          ? ['htpasswd:', '  realm: berth-test', `  path: ${htpasswd}`].join('\n')
          : [
              'token:',
              '  realm: /token',
              '  service: berth-test',
              '  issuer: berth-test-issuer',
              `  htpasswd: ${htpasswd}`,
              '  acl:',
              '    - { account: alice, actions: ["*"] }',
              '    - { account: bob, actions: [pull] }',
            ].join('\n');
      const host = await startRegistry(kind, auth);
      const name = `${host}/alice/busybox:${kind}`;
      await berthOk(a, 'import', '-c', 'CMD ["sh"]', '-c', `LABEL test=${kind}`, tarball, name);

      const anonymous = await berth(a, 'push', name);
      assert.notEqual(anonymous.code, 0, 'a push without a login must fail');
      assert.match(anonymous.stderr, /unauthorized|authentication required|denied/i);

      const wrong = await berth(a, 'login', '-u', 'alice', '-p', 'nope', host);
      assert.notEqual(wrong.code, 0, 'a login with a wrong password must fail');
      assert.match(wrong.stderr, /401|unauthorized/i);
      const unknown = await berth(a, 'login', '-u', 'mallory', '-p', 'wonderland', host);
      assert.notEqual(unknown.code, 0, 'a login as an unknown user must fail');
      const configFile = join(env.DOCKER_CONFIG, 'config.json');
      const config = existsSync(configFile) ? JSON.parse(readFileSync(configFile, 'utf8')) : {};
      assert.equal(config.auths?.[host], undefined, 'a failed login must not be stored');

      const good = await berth(a, 'login', '-u', 'alice', '-p', 'wonderland', host);
      assert.equal(good.code, 0, good.stderr);
      assert.match(good.stdout, /Login Succeeded/);
      const digest = await push(a, name);

      // b shares the CLI's config, so alice's login pulls there too.
      await berthOk(b, 'pull', name);
      assert.equal((await inspect(b, name)).Id, (await inspect(a, name)).Id);
      assert.deepEqual((await inspect(b, name)).RepoDigests, [`${host}/alice/busybox@${digest}`]);

      if (kind === 'token') {
        // bob may pull everything and push nothing: the ACL reaches berth's client.
        assert.equal((await berth(a, 'login', '-u', 'bob', '-p', 'builder', host)).code, 0);
        await berthOk(a, 'tag', name, `${host}/bob/busybox:1`);
        const denied = await berth(a, 'push', `${host}/bob/busybox:1`);
        assert.notEqual(denied.code, 0, 'bob must not push');
        assert.match(denied.stderr, /denied|unauthorized|authentication required/i);
        await berthOk(b, 'rmi', name);
        await berthOk(b, 'pull', name);
      }
      await berthOk(a, 'logout', host);
      const afterLogout = await berth(b, 'pull', `${host}/alice/busybox@${digest}`);
      assert.notEqual(afterLogout.code, 0, 'a pull after logout must fail');
    });
  }

  it('an image skopeo pushed is pulled by berth and runs', { skip: skopeoMissing ?? notRoot }, async () => {
    const host = await startRegistry('skopeo-push');
    const local = 'skopeo-source:1';
    await berthOk(a, 'import', '-c', 'CMD ["sh"]', '-c', 'LABEL test=skopeo-push', tarball, local);
    const archive = join(work, 'skopeo-source.tar');
    await berthOk(a, 'save', '-o', archive, local);
    const pushed = await skopeo([
      'copy',
      '--dest-tls-verify=false',
      `oci-archive:${archive}`,
      `docker://${host}/skopeo/busybox:1`,
    ]);
    assert.equal(pushed.code, 0, pushed.stderr);
    const seen = await skopeo(['inspect', '--tls-verify=false', `docker://${host}/skopeo/busybox:1`]);
    assert.equal(seen.code, 0, seen.stderr);
    const digest = JSON.parse(seen.stdout).Digest as string;

    // A daemon that has never seen the image or its layer.
    const c = await startSide();
    sides.push(c);
    const name = `${host}/skopeo/busybox:1`;
    await berthOk(c, 'pull', name);
    const image = await inspect(c, name);
    assert.deepEqual(image.RepoDigests, [`${host}/skopeo/busybox@${digest}`]);
    assert.equal(image.Id, (await inspect(a, local)).Id);
    const ran = await berth(c, 'run', '--rm', name, 'sh', '-c', 'echo ok');
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, 'ok\n');
  });

  it('an image berth pushed is pulled by skopeo with the same digest', { skip: skopeoMissing }, async () => {
    const host = await startRegistry('skopeo-pull');
    const name = `${host}/berth/busybox:1`;
    await berthOk(a, 'import', '-c', 'CMD ["sh"]', '-c', 'LABEL test=skopeo-pull', tarball, name);
    const digest = await push(a, name);

    const seen = await skopeo(['inspect', '--tls-verify=false', `docker://${name}`]);
    assert.equal(seen.code, 0, seen.stderr);
    assert.equal(JSON.parse(seen.stdout).Digest, digest);
    const layout = join(work, 'skopeo-layout');
    // --preserve-digests: skopeo would otherwise gzip berth's uncompressed layer on the way.
    const copied = await skopeo([
      'copy',
      '--preserve-digests',
      '--src-tls-verify=false',
      `docker://${name}`,
      `oci:${layout}:1`,
    ]);
    assert.equal(copied.code, 0, copied.stderr);
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
    assert.equal(index.manifests.length, 1);
    assert.equal(index.manifests[0].digest, digest, 'skopeo kept the manifest berth pushed');
    const local = await skopeo(['inspect', `oci:${layout}:1`]);
    assert.equal(local.code, 0, local.stderr);
    assert.equal(JSON.parse(local.stdout).Digest, digest);
    // The config skopeo fetched is the image berth pushed.
    const config = await skopeo(['inspect', '--config', `oci:${layout}:1`]);
    assert.equal(config.code, 0, config.stderr);
    assert.equal(JSON.parse(config.stdout).config.Labels.test, 'skopeo-pull');
  });
});
