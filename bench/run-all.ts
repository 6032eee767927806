// Runs every image benchmark, each in its own node process (so one's garbage
// and caches do not weigh on the next), then prints one summary table:
// operation, berth s, reference s, ratio.
//
//   node --import tsx bench/run-all.ts [import] [unpack] [save-load]
//   env: BENCH_MB, BENCH_FILES, BENCH_RUNS, BENCH_COLD, BENCH_FS, BENCH_DIR (see README.md)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeFixture, ensureFixture } from './fixtures.ts';
import { cleanUpOnSignal, cleanup, loadLine, printTable, type Row, tempDir } from './harness.ts';
import { prepareWorkFs } from './work-dir.ts';

const BENCHES: Record<string, string> = {
  import: 'image-import.ts',
  unpack: 'image-unpack.ts',
  'save-load': 'image-save-load.ts',
};

const here = fileURLToPath(new URL('.', import.meta.url));

function runChild(file: string, results: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, file)], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_RESULTS: results },
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function runAll(): Promise<number> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((a) => !(a in BENCHES));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}; choose from: ${Object.keys(BENCHES).join(', ')}`);
    return 2;
  }
  const chosen = asked.length ? asked : Object.keys(BENCHES);
  const started = performance.now();
  const fixture = await ensureFixture();
  console.log(`fixture: ${describeFixture(fixture)}`);
  const where = await prepareWorkFs();
  console.log(where);
  console.log(`start: ${loadLine()}`);

  const results = join(await tempDir('results'), 'rows.jsonl');
  const failed: string[] = [];
  for (const name of chosen) {
    const code = await runChild(BENCHES[name], results);
    if (code !== 0) failed.push(`${name} (exit ${code})`);
  }
  let rows: Row[] = [];
  try {
    rows = readFileSync(results, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);
  } catch {
    // No benchmark got as far as its figures.
  }
  console.log(`\n== summary: berth (library level, as the daemon runs it) vs the reference tools ==`);
  console.log(`   ${describeFixture(fixture)}`);
  console.log(`   ${where}`);
  console.log(
    `   end: ${loadLine()}; all benchmarks took ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  printTable(rows);
  if (failed.length) console.error(`\nfailed: ${failed.join(', ')}`);
  return failed.length ? 1 : 0;
}

// Ctrl-C reaches the running benchmark too (same process group), which cleans up its own.
cleanUpOnSignal();
try {
  process.exitCode = await runAll();
} finally {
  await cleanup();
}
