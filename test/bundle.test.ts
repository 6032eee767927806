// The bundle a `berth` command starts from: a client command loads and compiles only
// the files dist/berth.mjs imports statically, so the daemon's engine and the registry
// server must stay in chunks that only `import()` reaches (scripts/build.mjs splits them
// off; daemon.ts and registry.ts load them when they run).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { BERTH_BIN, ensureBuilt, REPO, run } from './helpers/berth.ts';

/** The files loaded with `file` before any of its code runs: it and its static imports, recursively. */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^import\s*(?:[^'"]*?from\s*)?["'](\.[^"']+)["']/gm)) {
    staticClosure(join(dirname(file), m[1]), seen);
  }
  return seen;
}

describe('the berth bundle', () => {
  it('starts a client command without the engine or the registry server', () => {
    ensureBuilt();
    const closure = [...staticClosure(join(REPO, 'dist', 'berth.mjs'))];
    assert.ok(closure.length > 1, `the entry imports its shared chunks: ${closure.join(', ')}`);
    const loaded = closure.map((f) => readFileSync(f, 'utf8')).join('\n');
    // One string from each: the daemon's start-up log line, the YAML library of the registry's
    // config, the builder's ONBUILD message.
    assert.equal(loaded.includes('API listening'), false, 'the daemon is not loaded at start');
    assert.equal(loaded.includes('YAMLParseError'), false, 'the registry config is not loaded at start');
    assert.equal(loaded.includes('build trigger'), false, 'the builder is not loaded at start');
  });

  it('still runs the commands whose code is in chunks', async () => {
    ensureBuilt();
    const r = await run(process.execPath, [BERTH_BIN, 'daemon', '--storage-driver', 'zfs'], {});
    assert.equal(r.code, 125, r.stderr);
    assert.match(r.stderr, /unknown storage driver "zfs"/, 'daemon-run.ts was loaded and ran');
    const gc = await run(process.execPath, [BERTH_BIN, 'registry', 'gc', '--config', '/nonexistent.yml'], {});
    assert.notEqual(gc.code, 0);
    assert.match(gc.stderr, /nonexistent\.yml/, "the registry's config reader was loaded and ran");
  });
});
