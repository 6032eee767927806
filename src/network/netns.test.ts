import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createNetns, removeNetns } from './netns.ts';

const missing = ['unshare', 'nsenter', 'umount', 'ip'].find((tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
const skip =
  process.getuid?.() !== 0 ? 'needs root' : missing ? `needs ${missing}, which is not installed` : false;

/** The mount points of this mount namespace (field 5 of mountinfo, octal escapes undone). */
const mountPoints = () =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) =>
      l.split(' ')[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))),
    );

const inNetns = (file: string, ...args: string[]) =>
  execFileSync('nsenter', [`--net=${file}`, ...args], { encoding: 'utf8' });

describe('createNetns / removeNetns', { skip }, () => {
  let dir = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-netns-test-'));
  });

  after(async () => {
    // whatever a failed test left mounted
    for (const p of mountPoints().filter((m) => m.startsWith(`${dir}/`)))
      execFileSync('umount', ['-l', p], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a file that is a mount of a new network namespace with only lo in it', async () => {
    const file = join(dir, 'netns', 'c1'); // the parent directory is made too
    await createNetns(file);
    assert.ok(mountPoints().includes(file), `${file} is not in /proc/self/mountinfo`);
    const links = inNetns(file, 'ip', '-o', 'link').trim().split('\n');
    assert.equal(links.length, 1, links.join('\n'));
    assert.match(links[0]!, /^1: lo:/);
    // a namespace of its own, not the host's
    const ours = readlinkSync('/proc/self/ns/net');
    const its = inNetns(file, 'readlink', '/proc/self/ns/net').trim();
    assert.match(its, /^net:\[\d+\]$/);
    assert.notEqual(its, ours);
    assert.equal(statSync(join(dir, 'netns')).mode & 0o777, 0o755);
  });

  it('two files are two namespaces', async () => {
    const a = join(dir, 'netns', 'a');
    const b = join(dir, 'netns', 'b');
    await createNetns(a);
    await createNetns(b);
    assert.notEqual(
      inNetns(a, 'readlink', '/proc/self/ns/net').trim(),
      inNetns(b, 'readlink', '/proc/self/ns/net').trim(),
    );
    await removeNetns(a);
    await removeNetns(b);
  });

  it('makes a fresh namespace over one a crash left', async () => {
    const file = join(dir, 'netns', 'c2');
    await createNetns(file);
    inNetns(file, 'ip', 'addr', 'add', '192.0.2.7/32', 'dev', 'lo');
    assert.match(inNetns(file, 'ip', '-o', 'addr'), /192\.0\.2\.7/);
    await createNetns(file);
    assert.doesNotMatch(inNetns(file, 'ip', '-o', 'addr'), /192\.0\.2\.7/);
    assert.equal(mountPoints().filter((m) => m === file).length, 1, 'mounted once');
    await removeNetns(file);
  });

  it('removeNetns unmounts and deletes; twice, or on a path never made, is fine', async () => {
    const file = join(dir, 'netns', 'c3');
    await createNetns(file);
    await removeNetns(file);
    assert.ok(!mountPoints().includes(file), 'still mounted');
    assert.ok(!existsSync(file), 'still there');
    await removeNetns(file);
    await removeNetns(join(dir, 'never-made'));
  });
});
