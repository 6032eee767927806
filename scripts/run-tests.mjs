// Runs every *.test.ts under src/ and test/ on node's test runner (Node 20's
// --test takes no globs, so the files are found here). Extra arguments narrow
// the run to files whose path contains one of them.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const found = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) found.push(p);
  }
};
for (const dir of ['src', 'test']) walk(dir);
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const files = filters.length ? found.filter((f) => filters.some((w) => f.includes(w))) : found;
files.sort();
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...flags, ...files],
  {
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
