import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BerthError } from '../util/errors.ts';
import { IngestLock } from './ingest-lock.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-lock-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

const conflict = (err: unknown) => err instanceof BerthError && err.code === 'Conflict';

test('a held lock is a Conflict naming the holder; released, it can be taken again', async () => {
  const path = join(dir, 'held');
  const lock = await IngestLock.acquire(path, 'ingest "x"');
  assert.equal(JSON.parse(await readFile(path, 'utf8')).pid, process.pid);
  await assert.rejects(IngestLock.acquire(path, 'ingest "x"'), (err: unknown) => {
    assert.ok(conflict(err));
    assert.match((err as Error).message, new RegExp(`ingest "x" is in use by process ${process.pid}`));
    return true;
  });
  assert.equal(await lock.held(), true);
  await lock.release();
  assert.equal(await lock.held(), false);
  const again = await IngestLock.acquire(path, 'ingest "x"');
  await again.release();
  // No temporary or stale files are left next to the lock.
  assert.deepEqual(await readdir(dir), []);
});

test("a dead process's lock is taken over", async () => {
  const path = join(dir, 'dead');
  await writeFile(path, JSON.stringify({ pid: deadPid(), nonce: 'old' }));
  const lock = await IngestLock.acquire(path, 'ingest "d"');
  assert.equal(JSON.parse(await readFile(path, 'utf8')).pid, process.pid);
  await lock.release();
});

test('a live pid with another start time (a reused pid) is stale', async () => {
  const path = join(dir, 'reused');
  await writeFile(path, JSON.stringify({ pid: process.pid, start: '1', nonce: 'old' }));
  const lock = await IngestLock.acquire(path, 'ingest "r"');
  await lock.release();
});

test('a live pid with no recorded start time is trusted', async () => {
  const path = join(dir, 'nostart');
  await writeFile(path, JSON.stringify({ pid: process.pid, nonce: 'other' }));
  await assert.rejects(IngestLock.acquire(path, 'ingest "n"'), conflict);
  await rm(path);
});

test('an unreadable lock file is treated as stale', async () => {
  const path = join(dir, 'garbage');
  await writeFile(path, 'not json');
  const lock = await IngestLock.acquire(path, 'ingest "g"');
  await lock.release();
});

test('many takers of one stale lock: exactly one gets it', async () => {
  const path = join(dir, 'contended');
  const dead = deadPid();
  // Repeated, since a race shows only in some interleavings.
  for (let round = 0; round < 25; round++) {
    await writeFile(path, JSON.stringify({ pid: dead, nonce: `old-${round}` }));
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => IngestLock.acquire(path, 'ingest "c"')),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1, `round ${round}`);
    for (const r of results) if (r.status === 'rejected') assert.ok(conflict(r.reason), String(r.reason));
    await (won[0] as PromiseFulfilledResult<IngestLock>).value.release();
    assert.deepEqual(await readdir(dir), []);
  }
});

test('a takeover guard left by a dead process is cleared', async () => {
  const path = join(dir, 'guarded');
  const dead = deadPid();
  await writeFile(path, JSON.stringify({ pid: dead, nonce: 'old' }));
  await writeFile(`${path}.takeover`, JSON.stringify({ pid: dead, nonce: 'taker' }));
  const lock = await IngestLock.acquire(path, 'ingest "t"');
  await lock.release();
  assert.deepEqual(await readdir(dir), []);
});
