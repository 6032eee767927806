import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createFileAtomic, removeOrphanTempFiles, renameDurable, writeFileAtomic } from './durable-fs.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-durable-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('writeFileAtomic creates and replaces a file, leaving no temporary file', async () => {
  const target = join(dir, 'a.json');
  await writeFileAtomic(target, '{"v":1}');
  await writeFileAtomic(target, '{"v":2}');
  assert.equal(await readFile(target, 'utf8'), '{"v":2}');
  assert.deepEqual(await readdir(dir), ['a.json']);
  await rm(target);
});

test('writeFileAtomic can keep its temporary file in another directory', async () => {
  const temps = join(dir, 'temps');
  await writeFileAtomic(join(dir, 'y'), 'y', { tempDir: temps });
  assert.equal(await readFile(join(dir, 'y'), 'utf8'), 'y');
  assert.deepEqual(await readdir(temps), []);
  await rm(join(dir, 'y'));
  await rm(temps, { recursive: true });
});

test('createFileAtomic never replaces an existing file', async () => {
  const target = join(dir, 'once');
  assert.equal(await createFileAtomic(target, 'first'), true);
  assert.equal(await createFileAtomic(target, 'second'), false);
  assert.equal(await readFile(target, 'utf8'), 'first');
  assert.deepEqual(await readdir(dir), ['once']);
  await rm(target);
});

test('renameDurable moves a file', async () => {
  await writeFile(join(dir, 'from'), 'data');
  await renameDurable(join(dir, 'from'), join(dir, 'to'));
  assert.deepEqual(await readdir(dir), ['to']);
  await rm(join(dir, 'to'));
});

test('removeOrphanTempFiles removes only temp files of dead processes', async () => {
  const sub = join(dir, 'orphans');
  await mkdir(sub);
  const dead = '.index.json.tmp-999999999-0123456789ab';
  const live = `.index.json.tmp-${process.pid}-0123456789ab`;
  for (const name of [dead, live, 'index.json']) await writeFile(join(sub, name), '');
  assert.equal(await removeOrphanTempFiles(sub), 1);
  assert.deepEqual((await readdir(sub)).sort(), [live, 'index.json'].sort());
  await rm(sub, { recursive: true });
});
