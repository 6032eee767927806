import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildMountArtefacts } from './mount-artefacts.ts';

describe('mountpoints of RUN --mount in the layer', () => {
  let dir: string;
  let top: string;
  let lower: string;
  const dirs = (root: string, ...paths: string[]) => {
    for (const p of paths) mkdirSync(join(root, p), { recursive: true, mode: 0o755 });
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-mount-artefacts-'));
    top = join(dir, 'upper');
    lower = join(dir, 'lower');
    // The image: /run, /etc/passwd, /srv (mode 0755), /opt/target (a directory of its own).
    dirs(lower, 'run', 'etc', 'srv', 'opt/target');
    writeFileSync(join(lower, 'etc/passwd'), 'root:x:0:0::/:/bin/sh\n');
    // The step's layer: its mountpoints, and changes of its own.
    dirs(top, 'run/secrets', 'cache', 'a/b/c', 'd/m', 'srv/mnt', 'etc', 'opt/target');
    writeFileSync(join(top, 'run/secrets/tok'), '');
    writeFileSync(join(top, 'd/real'), 'written by the step');
    writeFileSync(join(top, 'etc/hosts'), '');
    chmodSync(join(top, 'etc'), 0o700); // the step changed /etc's mode: a change of its own
    for (const p of ['run', 'srv', 'opt']) chmodSync(join(top, p), 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves out targets made for mounts, directories holding only them, and image directories they touched', () => {
    const got = buildMountArtefacts(
      top,
      [lower],
      ['/run/secrets/tok', '/cache', '/a/b/c', '/d/m', '/srv/mnt', '/etc/passwd', '/opt/target', '/not/made'],
      new Set(['/etc/hosts']),
    );
    assert.deepEqual([...got].sort(), [
      '/a',
      '/a/b',
      '/a/b/c',
      '/cache',
      '/d/m',
      '/etc/hosts',
      '/run',
      '/run/secrets',
      '/run/secrets/tok',
      '/srv',
      '/srv/mnt',
    ]);
    // Kept: /d (the step wrote /d/real), /etc (its mode changed), /opt/target (the image has it).
  });

  it('keeps a target the step wrote into (not an empty mountpoint) and everything above it', () => {
    writeFileSync(join(top, 'cache', 'f'), 'x');
    try {
      assert.deepEqual([...buildMountArtefacts(top, [lower], ['/cache'])], []);
    } finally {
      rmSync(join(top, 'cache', 'f'));
    }
  });
});
