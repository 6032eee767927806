// Bundles the command line into one ES module so `berth` starts fast: one file to
// read and no TypeScript at run time. Native and optional modules stay external.
import { execFileSync } from 'node:child_process';
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

await build({
  entryPoints: { berth: 'src/cli/main.ts', 'berth-runc': 'src/runtime/runc/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
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
