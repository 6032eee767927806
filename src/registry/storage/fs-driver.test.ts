import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driverSuite } from './driver-suite.ts';
import { FsRegistryStorage } from './fs-driver.ts';

driverSuite('filesystem', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-registry-fs-'));
  return { driver: new FsRegistryStorage(dir), dispose: () => rm(dir, { recursive: true, force: true }) };
});
