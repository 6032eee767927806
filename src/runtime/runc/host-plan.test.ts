// A host plan on the real kernel: berth-native runs a host command in no new namespace,
// with the host's root, relaying its stdio (or a pty) and reporting its exit status.
import assert from 'node:assert/strict';
import { existsSync, readlinkSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { launch } from '../launch/launcher.ts';
import { nativeBinaryPath } from '../launch/native-binary.ts';
import { encodePlan } from '../launch/plan.ts';
import { hostCommandPlan } from './host-plan.ts';

const skip =
  process.getuid?.() !== 0 ? 'needs root' : existsSync('/bin/sh') ? undefined : 'no /bin/sh on this host';

function collect(r: Readable | null): Promise<string> {
  if (!r) return Promise.resolve('');
  const chunks: Buffer[] = [];
  r.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => r.on('close', () => resolve(Buffer.concat(chunks).toString('utf8'))));
}

describe('a host command plan', () => {
  it('has no root, namespaces, mounts, cgroups, capabilities or seccomp, and encodes', () => {
    const plan = hostCommandPlan(['/usr/sbin/runc', 'list'], ['PATH=/usr/bin'], { terminal: true });
    assert.equal(plan.root, undefined);
    assert.deepEqual(plan.namespaces, { create: [], join: [] });
    assert.deepEqual(
      [plan.mounts, plan.devices, plan.links, plan.maskedPaths, plan.readonlyPaths, plan.sysctls],
      [[], [], [], [], [], []],
    );
    assert.deepEqual(plan.cgroupProcsFiles, []);
    assert.equal(plan.capabilities, undefined);
    assert.equal(plan.seccomp, undefined);
    assert.equal(plan.noNewPrivileges, false);
    assert.deepEqual(plan.process.args, ['/usr/sbin/runc', 'list']);
    assert.equal(plan.process.cwd, '/');
    assert.equal(plan.process.terminal, true);
    assert.ok(encodePlan(plan).length > 16);
  });

  it('runs on the host: same root, same namespaces, its output and exit status relayed', {
    skip,
  }, async () => {
    const c = await launch(
      hostCommandPlan(
        ['/bin/sh', '-c', 'readlink /proc/self/ns/mnt /proc/self/ns/pid; pwd; echo oops >&2; exit 6'],
        ['PATH=/usr/bin:/bin'],
      ),
      { binary: nativeBinaryPath(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const out = collect(c.stdout);
    const err = collect(c.stderr);
    await c.start();
    assert.deepEqual(await c.wait(), { exitCode: 6, signal: 0 });
    const ours = ['mnt', 'pid'].map((ns) => readlinkSync(`/proc/self/ns/${ns}`));
    assert.equal(await out, `${ours.join('\n')}\n/\n`);
    assert.equal(await err, 'oops\n');
  });

  it('gives the command a pty when asked', { skip }, async () => {
    const c = await launch(
      hostCommandPlan(['/bin/sh', '-c', 'tty; exit 0'], ['PATH=/usr/bin:/bin'], { terminal: true }),
      {
        binary: nativeBinaryPath(),
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const out = collect(c.stdout);
    await c.start();
    assert.equal((await c.wait()).exitCode, 0);
    c.stdin?.destroy();
    assert.match(await out, /^\/dev\/pts\/\d+\r\n$/);
  });
});
