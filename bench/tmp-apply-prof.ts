import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { applyLayer } from '../src/layer/index.ts';
const tar = '/tmp/berth-bench-fixtures/v1-268435456b-10000f-5eed/rootfs.tar';
for (let i = 0; i < 2; i++) {
  const dir = await mkdtemp('/var/tmp/apply-');
  const t = performance.now();
  const r = await applyLayer(createReadStream(tar), dir, { whiteouts: 'overlay', compression: 'auto' });
  console.log('apply', (performance.now() - t).toFixed(0), 'ms', r.size);
  await rm(dir, { recursive: true, force: true });
}
