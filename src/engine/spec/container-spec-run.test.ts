// The specs containerSpec makes, run for real by berth's own runtime (cgroups, launch plan,
// berth-native) as root: the user, environment, /etc files, volumes, a read-only rootfs,
// the default seccomp profile, and --init as pid 1 reaping an orphan.
import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { busyboxMissing } from '../../../test/helpers/busybox.ts';
import { CgroupManager, detectCgroups, resolveCgroupsPath } from '../../runtime/cgroups/index.ts';
import { launch } from '../../runtime/launch/launcher.ts';
import { withoutZeroLimits } from '../../runtime/runc/runc-defaults.ts';
import { compileSeccomp, hostArch } from '../../runtime/seccomp/index.ts';
import { planFromSpec } from '../../runtime/spec/plan-from-spec.ts';
import type { ContainerCreateRequest } from '../container-config.ts';
import { containerSpec } from './container-spec.ts';
import { checkSpec, World } from './test-helpers.ts';

const binary = fileURLToPath(new URL('../../../native/build/berth-native', import.meta.url));
const skip =
  process.getuid?.() !== 0
    ? 'needs root'
    : (busyboxMissing() ??
      (existsSync(binary) ? undefined : 'berth-native is not built (scripts/build-native.sh)'));

let world: World;
let n = 0;
before(() => {
  if (!skip) world = new World();
});
after(() => world?.remove());

function collect(stream: NodeJS.ReadableStream | null): Promise<string> {
  if (!stream) return Promise.resolve('');
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))));
}

async function runIt(request: ContainerCreateRequest, image = { Cmd: ['sh'] as string[] }) {
  const id = `berthspec${process.pid}x${++n}`;
  const result = await containerSpec(
    world.input(request, {
      id: id.padEnd(64, '0'),
      image: { config: image },
      cgroupsPath: `/berth-spec-test-${id}`,
      initBinary: binary,
      host: {},
    }),
  );
  const spec = checkSpec(result.spec);
  const cgroups = new CgroupManager(await detectCgroups(), resolveCgroupsPath(spec.linux?.cgroupsPath, id), {
    unenforcedDeviceRules: 'warn',
  });
  await cgroups.create();
  try {
    await cgroups.apply(withoutZeroLimits(spec.linux?.resources));
    const plan = planFromSpec(spec, '/', {
      ...(spec.linux?.seccomp ? { seccompProgram: compileSeccomp(spec.linux.seccomp, hostArch()) } : {}),
      cgroupProcsFiles: cgroups.procsFiles(),
      cgroupMounts: cgroups.mountSources(),
    });
    const c = await launch(plan, { binary, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = collect(c.stdout);
    const err = collect(c.stderr);
    c.stdin?.end();
    await c.start();
    const status = await c.wait();
    return { ...status, stdout: await out, stderr: await err, result };
  } finally {
    await cgroups.destroy();
  }
}

describe('containerSpec, run by berth-native', { skip }, () => {
  it('runs as the image says, with the /etc files and a volume', async () => {
    // The image's /data belongs to app: copy-up gives the new volume the same owner.
    mkdirSync(join(world.rootfs, 'data'));
    chownSync(join(world.rootfs, 'data'), 1000, 1000);
    const r = await runIt(
      {
        Cmd: [
          '-c',
          'id; echo HOME=$HOME; pwd; cat /etc/hostname; cat /etc/hosts; echo hi > /data/f; cat /proc/self/status',
        ],
        Hostname: 'spec-test',
        HostConfig: { Binds: ['/tmp:/hosttmp:ro'], GroupAdd: ['audio'] },
        Volumes: { '/data': {} },
      },
      { Entrypoint: ['sh'], Cmd: [], User: 'app', WorkingDir: '/home/app/work' } as never,
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^uid=1000\(app\) gid=1000\(app\) groups=/);
    assert.match(r.stdout, /\nGroups:\t10 29 1000 \n/, 'the kernel lists supplementary groups sorted');
    assert.match(r.stdout, /\nHOME=\/home\/app\n\/home\/app\/work\nspec-test\n127\.0\.0\.1\tlocalhost\n/);
    assert.match(r.stdout, /\nSeccomp:\s+2\n/, 'the default profile is loaded');
    assert.match(r.stdout, /\nCapBnd:\s+00000000a80425fb\n/, "Docker's capabilities bound the process");
    const volume = r.result.mounts.find((m) => m.Destination === '/data');
    assert.equal(readFileSync(join(volume?.Source ?? '', 'f'), 'utf8'), 'hi\n');
  });

  it('keeps a read-only rootfs read-only', async () => {
    const r = await runIt({
      Cmd: ['sh', '-c', 'touch /x || echo refused; touch /tmp/x 2>/dev/null || echo tmp-refused'],
      HostConfig: { ReadonlyRootfs: true },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'refused\ntmp-refused\n');
  });

  it('runs --init as pid 1: the command is its child, orphans are reaped, the status comes back', async () => {
    const script = [
      'echo pid=$$',
      'cat /proc/1/cmdline; echo',
      'sh -c "sleep 0.1 &"', // an orphan, re-parented to pid 1, exits soon
      'sleep 0.5',
      'for f in /proc/[0-9]*/stat; do read -r l < $f && echo "$l"; done',
      'exit 3',
    ].join('; ');
    const r = await runIt({ Cmd: ['sh', '-c', script], HostConfig: { Init: true } });
    assert.equal(r.exitCode, 3, r.stderr);
    const lines = r.stdout.split('\n');
    assert.notEqual(lines[0], 'pid=1', 'the command is not pid 1');
    assert.equal(lines[1].split('\0').filter(Boolean).join(' '), '/sbin/berth-init init -- sh -c ' + script);
    const states = lines
      .filter((l) => /^\d+ \(/.test(l))
      .map((l) => l.slice(l.lastIndexOf(')') + 2).split(' ')[0]);
    assert.ok(states.length >= 2, r.stdout);
    assert.ok(!states.includes('Z'), `no zombie left: ${states.join(' ')}`);
  });
});
