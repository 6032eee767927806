import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  DEFAULT_READONLY_PATHS,
  DOCKER_CAPABILITIES,
  DOCKER_MASKED_PATHS,
  defaultSpec,
  runcSpec,
} from './defaults.ts';
import { validateSpec } from './validate-config.ts';

const hasRunc = spawnSync('runc', ['--version']).status === 0;

describe('runcSpec', () => {
  it('is what `runc spec` writes, apart from the spec version', {
    skip: !hasRunc && 'runc not installed',
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-runc-spec-'));
    try {
      const r = spawnSync('runc', ['spec', '--bundle', dir], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const theirs = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      const ours = runcSpec();
      assert.deepEqual({ ...ours, ociVersion: theirs.ociVersion }, theirs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('runs sh on a terminal and validates', () => {
    const s = validateSpec(runcSpec());
    assert.deepEqual(s.process?.args, ['sh']);
    assert.equal(s.process?.terminal, true);
  });
});

describe('defaultSpec (Docker)', () => {
  const s = defaultSpec({ args: ['echo', 'hi'], env: ['A=1'], hostname: 'abc' });
  it("keeps Docker's 14 capabilities in every set it fills", () => {
    assert.equal(DOCKER_CAPABILITIES.length, 14);
    const caps = s.process!.capabilities!;
    for (const set of [caps.bounding, caps.effective, caps.permitted])
      assert.deepEqual(set, [...DOCKER_CAPABILITIES]);
    assert.equal(caps.ambient, undefined);
    assert.equal(caps.inheritable, undefined);
  });
  it("masks and protects Docker's paths", () => {
    assert.deepEqual(s.linux!.maskedPaths, [...DOCKER_MASKED_PATHS]);
    assert.ok(s.linux!.maskedPaths!.includes('/proc/interrupts'));
    assert.ok(s.linux!.maskedPaths!.includes('/sys/devices/virtual/powercap'));
    assert.deepEqual(s.linux!.readonlyPaths, [...DEFAULT_READONLY_PATHS]);
  });
  it('mounts /proc, /dev, /dev/pts, /dev/shm (64m), /dev/mqueue, /sys ro, /sys/fs/cgroup ro', () => {
    const by = new Map(s.mounts!.map((m) => [m.destination, m]));
    assert.deepEqual([...by.keys()].sort(), [
      '/dev',
      '/dev/mqueue',
      '/dev/pts',
      '/dev/shm',
      '/proc',
      '/sys',
      '/sys/fs/cgroup',
    ]);
    assert.deepEqual(by.get('/dev/pts')!.options, [
      'nosuid',
      'noexec',
      'newinstance',
      'ptmxmode=0666',
      'mode=0620',
      'gid=5',
    ]);
    assert.ok(by.get('/dev/shm')!.options!.includes('size=67108864'));
    assert.equal(by.get('/dev')!.type, 'tmpfs');
    assert.ok(by.get('/sys')!.options!.includes('ro'));
    assert.ok(by.get('/sys/fs/cgroup')!.options!.includes('ro'));
  });
  it("puts PATH first, the caller's env after, and keeps a PATH the caller gives", () => {
    assert.equal(s.process!.env![0].startsWith('PATH='), true);
    assert.equal(s.process!.env![1], 'A=1');
    assert.deepEqual(defaultSpec({ args: ['x'], env: ['PATH=/bin'] }).process!.env, ['PATH=/bin']);
  });
  it('denies all devices then allows the usual ones, and denies fuse', () => {
    const rules = s.linux!.resources!.devices!;
    assert.deepEqual(rules[0], { allow: false, access: 'rwm' });
    assert.ok(rules.some((r) => r.allow && r.major === 1 && r.minor === 3));
    assert.ok(rules.some((r) => !r.allow && r.major === 10 && r.minor === 229));
  });
  it('creates mount, network, uts, pid, ipc namespaces (cgroup on request, no network with host networking)', () => {
    assert.deepEqual(
      s.linux!.namespaces!.map((n) => n.type),
      ['mount', 'network', 'uts', 'pid', 'ipc'],
    );
    const host = defaultSpec({ args: ['x'], hostNetwork: true, cgroupns: true });
    assert.deepEqual(
      host.linux!.namespaces!.map((n) => n.type),
      ['mount', 'uts', 'pid', 'ipc', 'cgroup'],
    );
    assert.equal(host.linux!.sysctl, undefined);
  });
  it('validates', () => {
    validateSpec(JSON.parse(JSON.stringify(s)));
  });
});
