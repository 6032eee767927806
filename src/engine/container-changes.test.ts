import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SysHelper } from '../layer/sys-helper.ts';
import { directoryChanges, mountpointArtefacts, overlayChanges } from './container-changes.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (whiteout devices, trusted.* xattrs)' : undefined;
const lines = (changes: { Path: string; Kind: number }[]) =>
  changes.map((c) => `${['C', 'A', 'D'][c.Kind]} ${c.Path}`);

function tree(root: string, files: Record<string, string | null>): void {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(root, path);
    if (content === null) mkdirSync(abs, { recursive: true });
    else {
      mkdirSync(join(abs, '..'), { recursive: true });
      writeFileSync(abs, content);
    }
  }
}

const T = 1_700_000_000;
function setTimes(root: string, paths: string[], seconds = T): void {
  for (const p of paths) utimesSync(join(root, p), seconds, seconds);
}

describe('container changes', { skip }, () => {
  let base: string;
  let sys: SysHelper;
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'berth-changes-'));
    sys = new SysHelper();
  });
  after(async () => {
    await sys.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('reads an overlay upper directory as Docker does', async () => {
    const lower = join(base, 'o-lower');
    const upper = join(base, 'o-upper');
    tree(lower, { 'etc/passwd': 'p', 'etc/group': 'g', 'tmp/': null, 'var/old': 'o', 'usr/bin/': null });
    tree(upper, {
      'etc/': null,
      'tmp/new': 'n',
      'var/new': 'n',
      'usr/bin/': null,
      'usr/bin/tool': 't',
      'proc/': null,
    });
    writeFileSync(join(upper, 'etc/hostname'), ''); // the runtime's mountpoint
    await sys.mknod(join(upper, 'etc/group'), 0o020000, 0, 0);
    await sys.setXattr(join(upper, 'var'), 'trusted.overlay.opaque', Buffer.from('y'));
    // /usr and /usr/bin were only copied up, /tmp got a new file (and a new time)
    setTimes(lower, ['usr', 'usr/bin', 'tmp', 'etc']);
    setTimes(upper, ['usr', 'usr/bin']);
    setTimes(upper, ['tmp'], T + 60);
    assert.deepEqual(lines(await overlayChanges(upper, [lower])), [
      'C /etc',
      'D /etc/group',
      'C /tmp',
      'A /tmp/new',
      'C /usr/bin',
      'A /usr/bin/tool',
      'D /var',
      'A /var/new',
    ]);
  });

  it('compares a vfs copy with the image', async () => {
    const lower = join(base, 'v-lower');
    const upper = join(base, 'v-upper');
    tree(lower, { 'a/keep': 'k', 'a/gone': 'g', 'b/x': 'x', 'c/file': 'same' });
    tree(upper, { 'a/keep': 'k', 'b/x': 'changed!', 'c/file': 'same', 'd/new/deep': 'd', 'dev/': null });
    setTimes(lower, ['a/keep', 'c/file', 'b/x']);
    setTimes(upper, ['a/keep', 'c/file']);
    assert.deepEqual(lines(await directoryChanges(lower, upper)), [
      'C /a',
      'D /a/gone',
      'C /b',
      'C /b/x',
      'A /d',
      'A /d/new',
      'A /d/new/deep',
    ]);
    assert.deepEqual(lines(await directoryChanges(undefined, join(upper, 'd'))), ['A /new', 'A /new/deep']);
  });

  it("takes the runtime's empty mountpoints, and directories made for them, for artefacts", () => {
    const lower = join(base, 'm-lower');
    const upper = join(base, 'm-upper');
    tree(lower, { 'etc/hosts': 'the image has one' });
    tree(upper, {
      'sbin/berth-init': '',
      'etc/hosts': '',
      'etc/hostname': '',
      'etc/resolv.conf': 'written by the container',
      'dev/': null,
      'sys/': null,
      'sys/x': '',
    });
    assert.deepEqual([...mountpointArtefacts(upper, [lower])].sort(), [
      '/dev',
      '/etc/hostname',
      '/sbin',
      '/sbin/berth-init',
    ]);
  });
});
