// `berth pull`, `push`, `login` and `logout` through the daemon, against
// Debian's distribution registry: an image pushed from one berth root comes
// back whole into another; logins to an htpasswd registry are stored where the
// docker CLI keeps them, so a login made by berth works for skopeo and the
// docker CLI and the other way round, credential helpers included.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BERTH_BIN,
  cleanEnv,
  ensureBuilt,
  findDocker,
  type RunResult,
  run,
  runBerth,
  type TempDirs,
  TestDaemon,
  tempDirs,
} from './helpers/berth.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';
import { registryMissing, TestRegistry } from './helpers/registry.ts';

const skip = registryMissing() ?? busyboxMissing();

interface Side {
  dirs: TempDirs;
  daemon: TestDaemon;
}

async function startSide(): Promise<Side> {
  const dirs = await tempDirs('berth-distribution-cli-');
  return { dirs, daemon: await TestDaemon.start({ root: dirs.root, state: dirs.state }) };
}

async function stopSide(side: Side | undefined): Promise<void> {
  await side?.daemon.stop();
  await side?.dirs.cleanup();
}

describe('berth pull and push through the daemon', { skip }, () => {
  let registry: TestRegistry;
  let a: Side;
  let b: Side;
  let work: string;
  let tarball: string;
  let env: Record<string, string>;

  const berth = (side: Side, ...args: string[]): Promise<RunResult> =>
    runBerth(['-H', `unix://${side.dirs.socket}`, ...args], env);
  async function berthOk(side: Side, ...args: string[]): Promise<string> {
    const r = await berth(side, ...args);
    assert.equal(r.code, 0, `berth ${args.join(' ')} failed:\n${r.stderr}`);
    return r.stdout;
  }
  const inspect = async (side: Side, name: string) =>
    JSON.parse(await berthOk(side, 'image', 'inspect', name))[0];

  before(async () => {
    ensureBuilt();
    registry = await TestRegistry.start();
    a = await startSide();
    b = await startSide();
    work = await mkdtemp(join(tmpdir(), 'berth-distribution-cli-'));
    tarball = makeBusyboxTarball(work, join(work, 'busybox.tar'));
    env = { DOCKER_CONFIG: join(work, 'docker-config') };
  });
  after(async () => {
    await Promise.all([stopSide(a), stopSide(b)]);
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('push from one root, pull into another: same image ID and digest, Docker-shaped output', async () => {
    const name = `${registry.host}/cli/busybox:1.0`;
    await berthOk(a, 'import', '-c', 'CMD ["sh"]', tarball, name);
    const pushed = await berthOk(a, 'push', name);
    const lines = pushed.trim().split('\n');
    assert.equal(lines[0], `The push refers to repository [${registry.host}/cli/busybox]`);
    assert.match(lines.at(-1)!, /^1\.0: digest: sha256:[0-9a-f]{64} size: \d+$/);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(lines.at(-1)!)![1];

    const pulled = await berthOk(b, 'pull', name);
    const out = pulled.trim().split('\n');
    assert.equal(out[0], '1.0: Pulling from cli/busybox');
    assert.match(out[1], /^[0-9a-f]{12}: Pulling fs layer$/);
    assert.ok(out.some((l) => /^[0-9a-f]{12}: Pull complete$/.test(l)));
    assert.deepEqual(out.slice(-3), [
      `Digest: ${digest}`,
      `Status: Downloaded newer image for ${name}`,
      name,
    ]);

    const [ia, ib] = [await inspect(a, name), await inspect(b, name)];
    assert.equal(ib.Id, ia.Id);
    assert.deepEqual(ib.RepoDigests, [`${registry.host}/cli/busybox@${digest}`]);
    assert.deepEqual(ia.RepoDigests, ib.RepoDigests);
    assert.deepEqual(ib.Config.Cmd, ['sh']);

    const again = await berthOk(b, 'pull', name);
    assert.deepEqual(again.trim().split('\n').slice(-2), [`Status: Image is up to date for ${name}`, name]);
    assert.equal(await berthOk(b, 'pull', '-q', name), `${name}\n`);
  });

  it('pulls by digest, every tag with -a, and says what is wrong in Docker words', async () => {
    const repo = `${registry.host}/cli/tags`;
    await berthOk(a, 'import', tarball, `${repo}:one`);
    await berthOk(a, 'tag', `${repo}:one`, `${repo}:two`);
    const pushed = await berthOk(a, 'push', '-a', repo);
    assert.match(pushed, /^one: digest: /m);
    assert.match(pushed, /^two: digest: /m);
    const digest = /^one: digest: (sha256:[0-9a-f]{64})/m.exec(pushed)![1];

    const byDigest = await berthOk(b, 'pull', `${repo}@${digest}`);
    assert.equal(byDigest.trim().split('\n').at(-1), `${repo}@${digest}`);
    const all = await berthOk(b, 'pull', '--all-tags', repo);
    assert.match(all, /^one: Pulling from cli\/tags$/m);
    assert.match(all, /^two: Pulling from cli\/tags$/m);
    assert.equal(all.trim().split('\n').at(-1), repo);
    const tags = (await berthOk(b, 'images', '--format', '{{.Tag}}', repo)).trim().split('\n').sort();
    assert.deepEqual(tags, ['one', 'two']);

    const missing = await berth(b, 'pull', `${repo}:three`);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /manifest for .*cli\/tags:three not found: manifest unknown/);
    const bad = await berth(b, 'pull', '-a', `${repo}:one`);
    assert.match(bad.stderr, /tag can't be used with --all-tags\/-a/);
    const notLocal = await berth(b, 'push', `${repo}:nope`);
    assert.match(notLocal.stderr, /An image does not exist locally with the tag: .*cli\/tags:nope/);
  });
});

describe('logins shared with the docker CLI and skopeo', { skip }, () => {
  let registry: TestRegistry;
  let side: Side;
  let work: string;
  let tarball: string;
  const docker = findDocker();

  before(async () => {
    ensureBuilt();
    registry = await TestRegistry.start({ users: { alice: 'wonderland' } });
    side = await startSide();
    work = await mkdtemp(join(tmpdir(), 'berth-login-'));
    tarball = makeBusyboxTarball(work, join(work, 'busybox.tar'));
  });
  after(async () => {
    await stopSide(side);
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const berthIn =
    (config: string, extra: Record<string, string> = {}) =>
    (...args: string[]) =>
      runBerth(['-H', `unix://${side.dirs.socket}`, ...args], { DOCKER_CONFIG: config, ...extra });

  it('refuses a push without a login, takes a login with --password-stdin, and logs out', async () => {
    const config = join(work, 'plain');
    const berth = berthIn(config);
    const name = `${registry.host}/private/box:1`;
    assert.equal((await berth('import', tarball, name)).code, 0);
    const refused = await berth('push', name);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /unauthorized: authentication required/);

    const wrong = await berth('login', '-u', 'alice', '-p', 'nope', registry.host);
    assert.equal(wrong.code, 125);
    assert.match(wrong.stderr, /login attempt to http:\/\/.*\/v2\/ failed with status: 401 Unauthorized/);

    const login = await run(
      'sh',
      [
        '-c',
        `printf 'wonderland\\n' | "${process.execPath}" "$BERTH" -H "unix://${side.dirs.socket}" login -u alice --password-stdin ${registry.host}`,
      ],
      { env: cleanEnv({ DOCKER_CONFIG: config, BERTH: BERTH_BIN }) },
    );
    assert.equal(login.code, 0, login.stderr);
    assert.equal(login.stdout, 'Login Succeeded\n');
    const saved = JSON.parse(await readFile(join(config, 'config.json'), 'utf8'));
    assert.deepEqual(saved.auths[registry.host], {
      auth: Buffer.from('alice:wonderland').toString('base64'),
    });

    assert.equal((await berth('push', name)).code, 0);
    const again = await berth('login', registry.host);
    assert.match(
      again.stdout,
      /Authenticating with existing credentials\.\.\. \[Username: alice\]\nLogin Succeeded/,
    );

    const out = await berth('logout', registry.host);
    assert.equal(out.stdout, `Removing login credentials for ${registry.host}\n`);
    assert.deepEqual(JSON.parse(await readFile(join(config, 'config.json'), 'utf8')).auths, {});
    assert.match((await berth('pull', name)).stderr, /pull access denied for .*private\/box/);
  });

  it("berth's login is skopeo's: skopeo reads the same config.json", async () => {
    const config = join(work, 'for-skopeo');
    const berth = berthIn(config);
    const name = `${registry.host}/private/skopeo:1`;
    assert.equal((await berth('import', tarball, name)).code, 0);
    assert.equal((await berth('login', '-u', 'alice', '-p', 'wonderland', registry.host)).code, 0);
    assert.equal((await berth('push', name)).code, 0);
    const inspect = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--authfile',
      join(config, 'config.json'),
      `docker://${name}`,
    ]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.equal(JSON.parse(inspect.stdout).Name, `${registry.host}/private/skopeo`);
    const anonymous = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--authfile',
      join(work, 'none.json'),
      `docker://${name}`,
    ]);
    assert.notEqual(anonymous.code, 0);
  });

  it("the docker CLI's login is berth's, and berth's is the docker CLI's", {
    skip: docker ? undefined : 'no docker CLI',
  }, async () => {
    const config = join(work, 'for-docker');
    const dockerEnv = cleanEnv({ DOCKER_HOST: `unix://${side.dirs.socket}`, DOCKER_CONFIG: config });
    const berth = berthIn(config);
    const name = `${registry.host}/private/docker:1`;
    assert.equal((await berth('import', tarball, name)).code, 0);
    // docker login asks berthd (POST /auth) and writes config.json itself.
    const viaStdin = await run(
      'sh',
      ['-c', `printf wonderland | "${docker}" login -u alice --password-stdin ${registry.host}`],
      {
        env: dockerEnv,
      },
    );
    assert.equal(viaStdin.code, 0, viaStdin.stderr);
    assert.match(viaStdin.stdout, /Login Succeeded/);
    assert.equal((await berth('push', name)).code, 0);
    assert.equal((await berth('logout', registry.host)).code, 0);
    assert.equal((await berth('login', '-u', 'alice', '-p', 'wonderland', registry.host)).code, 0);
    const pulled = await run(docker!, ['pull', name], { env: dockerEnv });
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, /Status: Image is up to date for/);
  });

  it('keeps credentials in a credential helper named by credsStore', async () => {
    const config = join(work, 'helper');
    const bin = join(work, 'bin');
    await mkdir(config, { recursive: true });
    await mkdir(bin, { recursive: true });
    const store = join(work, 'helper-store.json');
    await writeFile(
      join(bin, 'docker-credential-test'),
      `#!/bin/sh
# A credential helper keeping everything in ${store}, one JSON object per server.
verb="$1"
input="$(cat)"
exec "${process.execPath}" -e '
const fs = require("fs");
const [verb, input, file] = process.argv.slice(1);
let all = {};
try { all = JSON.parse(fs.readFileSync(file, "utf8")); } catch {}
if (verb === "store") { const c = JSON.parse(input); all[c.ServerURL] = c; fs.writeFileSync(file, JSON.stringify(all)); }
else if (verb === "get") {
  if (!all[input]) { console.log("credentials not found in native keychain"); process.exit(1); }
  process.stdout.write(JSON.stringify(all[input]));
} else if (verb === "erase") { delete all[input]; fs.writeFileSync(file, JSON.stringify(all)); }
' "$verb" "$input" "${store}"
`,
    );
    await chmod(join(bin, 'docker-credential-test'), 0o755);
    await writeFile(join(config, 'config.json'), JSON.stringify({ credsStore: 'test' }));
    const berth = berthIn(config, { PATH: `${bin}:${process.env.PATH}` });
    const name = `${registry.host}/private/helper:1`;
    assert.equal((await berth('import', tarball, name)).code, 0);
    const login = await berth('login', '-u', 'alice', '-p', 'wonderland', registry.host);
    assert.equal(login.code, 0, login.stderr);
    assert.doesNotMatch(login.stderr, /stored unencrypted/);
    assert.deepEqual(JSON.parse(await readFile(store, 'utf8'))[registry.host], {
      ServerURL: registry.host,
      Username: 'alice',
      Secret: 'wonderland',
    });
    const saved = JSON.parse(await readFile(join(config, 'config.json'), 'utf8'));
    assert.deepEqual(saved, { credsStore: 'test', auths: { [registry.host]: {} } });
    assert.equal((await berth('push', name)).code, 0);
    assert.equal((await berth('logout', registry.host)).code, 0);
    assert.deepEqual(JSON.parse(await readFile(store, 'utf8')), {});
    assert.match((await berth('push', name)).stderr, /unauthorized/);
  });
});
