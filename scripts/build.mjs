// Bundles the command line into one ES module so `berth` starts fast: one file to
// read and no TypeScript at run time. Native and optional modules stay external.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
} catch {
  // Not a git checkout: `version` says "unknown".
}

// Split: what only some commands use (the daemon's engine, the registry server) goes
// into chunks loaded by import() when such a command runs, so a client command
// compiles only its own code. Old chunks go first: their names carry a hash.
rmSync('dist/chunks', { recursive: true, force: true });

await build({
  entryPoints: { berth: 'src/cli/main.ts', 'berth-runc': 'src/runtime/runc/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  external: ['better-sqlite3'],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __berthRequire } from 'node:module'; const require = __berthRequire(import.meta.url);",
  },
  define: { __BERTH_GIT_COMMIT__: JSON.stringify(commit) },
  logLevel: 'warning',
});
