// `run /bin/true` N times in a row (BERTH_BENCH_RUNS, default 100) with berth-runc and
// with runc on the same busybox bundle, side by side as a ratio; then the resident memory
// of the process that watches an idle container (berth-native, the shim) next to runc's
// (none: runc leaves the init to its caller, so conmon or containerd-shim is measured
// there in real use).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BERTH_RUNC, ensureRuncBuilt, makeBundle, runcMissing, runtimeCmd } from '../test/helpers/runc.ts';

const runs = Number(process.env.BERTH_BENCH_RUNS ?? 100);
ensureRuncBuilt();
const work = mkdtempSync(join(tmpdir(), 'berth-bench-runtime-'));
try {
  const bundle = makeBundle(join(work, 'bundle'), ['/bin/true']);
  const time = (bin: string): number => {
    const root = join(work, `root-${bin.replace(/\W/g, '')}`);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) {
      const r = runtimeCmd(bin, root, ['run', `b${i}`], { cwd: bundle });
      if (r.status !== 0) throw new Error(`${bin} run failed (${r.status}): ${r.stderr}`);
    }
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const berth = time(BERTH_RUNC);
  console.log(
    `berth-runc run /bin/true x${runs}: ${berth.toFixed(0)} ms (${(berth / runs).toFixed(1)} ms each)`,
  );
  if (!runcMissing()) {
    const runc = time('runc');
    console.log(
      `runc       run /bin/true x${runs}: ${runc.toFixed(0)} ms (${(runc / runs).toFixed(1)} ms each)`,
    );
    console.log(`ratio berth-runc / runc: ${(berth / runc).toFixed(2)}`);
  }

  // An idle container in the foreground: berth-native is its parent, holding it.
  const idle = makeBundle(join(work, 'idle'), ['sleep', '1000']);
  const root = join(work, 'root-idle');
  const fg = spawn(BERTH_RUNC, ['--root', root, 'run', 'idle'], { cwd: idle, stdio: 'ignore' });
  let shimPid: number | undefined;
  for (let i = 0; i < 200 && !shimPid; i++) {
    await sleep(25);
    const r = runtimeCmd(BERTH_RUNC, root, ['state', 'idle']);
    if (r.status === 0 && JSON.parse(r.stdout).status === 'running') {
      const ppid = spawnSync('ps', ['-o', 'ppid=', '-p', String(JSON.parse(r.stdout).pid)], {
        encoding: 'utf8',
      });
      shimPid = Number(ppid.stdout.trim()) || undefined;
    }
  }
  if (shimPid) {
    const rss = spawnSync('ps', ['-o', 'rss=', '-p', String(shimPid)], { encoding: 'utf8' }).stdout.trim();
    console.log(`idle container's berth-native monitor (pid ${shimPid}): RSS ${rss} KiB`);
  } else {
    console.log('idle container did not come up; no RSS measured');
  }
  runtimeCmd(BERTH_RUNC, root, ['kill', 'idle', 'KILL']);
  await new Promise((r) => fg.once('exit', r));
} finally {
  rmSync(work, { recursive: true, force: true });
}
