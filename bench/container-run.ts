// Container start-up and idle memory: berth beside docker and podman, in one process, each
// on its own temporary root made here and removed at the end.
//
// 1. `run --rm IMAGE true`, BENCH_RUNS times per tool (default 50), in rounds where the
//    tool that goes first rotates, after one untimed warm-up run each. Each run is timed
//    from the CLI's spawn to its exit, as a user sees it: the CLI's own start is included
//    (node for berth, Go for docker; podman is the whole runtime in its CLI). Printed:
//    mean and median ms/run and docker/berth, podman/berth (how many times faster berth is),
//    and each CLI's `--version` time beside them (its process start, part of every run).
// 2. BENCH_IDLE (default 50) `run -d IMAGE sleep 1000` containers per tool, one tool at a
//    time. The host's used memory (MemTotal - MemAvailable, median of a few samples taken
//    after a settle pause) before and after, minus the RSS of the containers' own `sleep`
//    processes, divided by the count, is the per-container overhead: the shim (berth-native,
//    containerd-shim-runc-v2, conmon), the daemons' growth and the kernel's share
//    (namespaces, cgroups, overlay mounts). The containers' parents (the shims, found through
//    /proc/<init pid>/status PPid) are also measured alone (RSS and PSS). The machine is
//    shared: other work moves MemAvailable too, so the raw samples are printed, with a control
//    (the same samples with nothing started) that shows how much.
//
// The reference daemons are private: dockerd with its own data root, exec root, pid file and
// socket, no bridge and no iptables (its containerd is its child); podman with its own root,
// run root and tmp dir. All containers use `--network none` (a private namespace with only
// loopback, nothing to set up). Everything is stopped by PID and unmounted (`umount -R`)
// under the temporary directory, also on error and Ctrl-C.
//
//   node --import tsx bench/container-run.ts      (env: BENCH_RUNS, BENCH_IDLE)
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BERTH_BIN,
  pidAlive,
  REPO,
  type RunResult,
  run,
  stopPid,
  TestDaemon,
  waitFor,
} from '../test/helpers/berth.ts';
import { busyboxMissing, makeBusyboxTarball } from '../test/helpers/busybox.ts';
import { dockerdMissing, spawnDockerd } from '../test/helpers/registry-auth-dockerd.ts';
import { checked, count, mean, Skip, table } from './cli-bench.ts';
import { loadLine, median } from './harness.ts';
import { allPids, childrenOf, cmdlineOf, commOf, mountsUnder, ppidOf, procField } from './proc.ts';

const RUNS = count('BENCH_RUNS', 50);
const IDLE = count('BENCH_IDLE', 50);
const SETTLE_MS = 5_000;
const IMAGE = 'busybox:bench';
const KIB = 1024;
const MIB = 1024 * 1024;

/** A tool under test: its CLI bound to its private daemon or root, and how to take it away. */
interface Tool {
  readonly name: string;
  readonly about: string;
  /** What runs as each container's parent, for the printout. */
  readonly shimName: string;
  readonly runFlags: readonly string[];
  cli(args: readonly string[], timeoutMs?: number): Promise<RunResult>;
  /** The long-running daemons whose growth is part of the overhead (none for podman). */
  daemonPids(): number[];
  /** Remove every container, stop the daemon by PID. */
  stop(): Promise<void>;
}

/** Bytes. */
const rssOf = (pid: number) => (procField(pid, 'status', 'VmRSS') ?? 0) * KIB;
const anonOf = (pid: number) => (procField(pid, 'status', 'RssAnon') ?? 0) * KIB;
const pssOf = (pid: number) => (procField(pid, 'smaps_rollup', 'Pss') ?? 0) * KIB;

/** MemTotal - MemAvailable in bytes: the median of five samples 200 ms apart. */
async function usedMemory(): Promise<{ used: number; samples: number[] }> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    if (i) await sleep(200);
    const info = readFileSync('/proc/meminfo', 'utf8');
    const kib = (k: string) => Number(info.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))![1]);
    samples.push((kib('MemTotal') - kib('MemAvailable')) * KIB);
  }
  return { used: median(samples)!, samples };
}

// ---- the tools -----------------------------------------------------------------------------

/** Remove every container the tool has (its root is ours alone). */
async function removeAll(tool: Tool): Promise<void> {
  const ids = (await tool.cli(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
  for (let i = 0; i < ids.length; i += 50) {
    const r = await tool.cli(['rm', '-f', ...ids.slice(i, i + 50)], 180_000);
    if (r.code !== 0) console.error(`   ${tool.name} rm -f: exit ${r.code}: ${r.stderr.trim()}`);
  }
}

async function startBerth(dir: string, tarball: string, onStarted: (t: Tool) => void): Promise<Tool> {
  if (process.getuid?.() !== 0) throw new Skip('berth needs root here (namespaces, overlayfs, cgroups)');
  const daemon = await TestDaemon.start({ root: join(dir, 'root'), state: join(dir, 'state') }).catch(
    (err: Error) => Promise.reject(new Skip(`berth daemon did not start: ${err.message}`)),
  );
  const version = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version as string;
  const tool: Tool = {
    name: 'berth',
    about: `berth ${version} (bin/berth, berthd pid ${daemon.pid}, overlay snapshots)`,
    shimName: 'berth-native shim',
    runFlags: ['--network', 'none'],
    cli: (args, timeoutMs = 60_000) =>
      run(process.execPath, [BERTH_BIN, '-H', `unix://${daemon.socket}`, ...args], { timeoutMs }),
    daemonPids: () => [daemon.pid],
    async stop() {
      await removeAll(tool).catch((err: Error) => console.error(`   berth: ${err.message}`));
      await stopPid(daemon.pid);
      await daemon.exited;
    },
  };
  onStarted(tool);
  checked('berth import', await tool.cli(['import', tarball, IMAGE], 180_000));
  return tool;
}

async function startDocker(dir: string, tarball: string, onStarted: (t: Tool) => void): Promise<Tool> {
  const missing = dockerdMissing();
  if (missing) throw new Skip(missing);
  const dockerd = await spawnDockerd(dir, { storageDriver: 'overlay2' });
  const { socket } = dockerd;
  const pid = dockerd.child.pid!;
  const cli = (args: readonly string[], timeoutMs = 60_000) => dockerd.docker(args, timeoutMs);
  const daemons = () => [pid, ...childrenOf(pid).filter((p) => commOf(p) === 'containerd')];
  const tool: Tool = {
    name: 'docker',
    about: '',
    shimName: 'containerd-shim-runc-v2',
    runFlags: ['--network', 'none'],
    cli,
    daemonPids: daemons,
    async stop() {
      if (pidAlive(pid))
        await removeAll(tool).catch((err: Error) => console.error(`   docker: ${err.message}`));
      const containerd = daemons().slice(1);
      await stopPid(pid);
      // dockerd stops the containerd it started; if it was killed instead, containerd is left.
      for (const p of containerd) await stopPid(p);
    },
  };
  onStarted(tool);
  await waitFor(
    async () => {
      if (!pidAlive(pid))
        throw new Skip(`dockerd exited:\n${dockerd.log().trim().split('\n').slice(-5).join('\n')}`);
      return existsSync(socket) && (await cli(['version'])).code === 0;
    },
    'dockerd to answer',
    60_000,
  ).catch((err: Error) =>
    Promise.reject(
      err instanceof Skip
        ? err
        : new Skip(`${err.message}\n${dockerd.log().trim().split('\n').slice(-5).join('\n')}`),
    ),
  );
  const server = checked('docker version', await cli(['version', '--format', '{{.Server.Version}}'])).trim();
  const driver = checked('docker info', await cli(['info', '--format', '{{.Driver}}'])).trim();
  const client = checked('docker version', await cli(['version', '--format', '{{.Client.Version}}'])).trim();
  checked('docker import', await cli(['import', tarball, IMAGE], 180_000));
  return {
    ...tool,
    about: `dockerd ${server} (pid ${pid}, own containerd, ${driver}), docker CLI ${client}`,
  };
}

async function startPodman(dir: string, tarball: string, onStarted: (t: Tool) => void): Promise<Tool> {
  const podman = ['/usr/bin/podman', '/usr/local/bin/podman'].find((p) => existsSync(p));
  if (!podman) throw new Skip('podman is not installed (apt package podman)');
  if (process.getuid?.() !== 0) throw new Skip('podman is run rootful here and needs root');
  const global = [
    '--root',
    join(dir, 'root'),
    '--runroot',
    join(dir, 'runroot'),
    // libpod's own state (locks, the "alive" marker) goes to /run/libpod unless told otherwise
    '--tmpdir',
    join(dir, 'tmp'),
    '--storage-driver',
    'overlay',
    '--runtime',
    'runc',
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'none',
  ];
  const cli = (args: readonly string[], timeoutMs = 60_000) =>
    run(podman, [...global, ...args], { timeoutMs });
  const tool: Tool = {
    name: 'podman',
    about: '',
    shimName: 'conmon',
    runFlags: ['--network', 'none', '--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'],
    cli,
    daemonPids: () => [],
    async stop() {
      await removeAll(tool).catch((err: Error) => console.error(`   podman: ${err.message}`));
    },
  };
  onStarted(tool);
  const version = await cli(['version', '--format', '{{.Client.Version}}']);
  if (version.code !== 0) throw new Skip(`podman does not run here: ${version.stderr.trim()}`);
  const imported = await cli(['import', tarball, IMAGE], 180_000);
  if (imported.code !== 0) throw new Skip(`podman import failed: ${imported.stderr.trim()}`);
  return { ...tool, about: `podman ${version.stdout.trim()} (runc, conmon, overlay, cgroupfs)` };
}

// ---- measuring ---------------------------------------------------------------------------------

async function timeRuns(tools: Tool[]): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(tools.map((t) => [t.name, []]));
  const once = async (t: Tool): Promise<number> => {
    const started = performance.now();
    const r = await t.cli(['run', '--rm', ...t.runFlags, IMAGE, 'true']);
    const ms = performance.now() - started;
    checked(`${t.name} run --rm ${IMAGE} true`, r);
    return ms;
  };
  let live = [...tools];
  const drop = (t: Tool, err: Error) => {
    if (interrupted) return;
    console.log(`   ${t.name} dropped from the run timing: ${err.message}`);
    live = live.filter((x) => x !== t);
  };
  for (const t of tools) await once(t).catch((err: Error) => drop(t, err));
  for (let round = 0; round < RUNS && !interrupted; round++) {
    const order = live.map((_, k) => live[(round + k) % live.length]);
    for (const t of order) {
      if (!live.includes(t) || interrupted) continue;
      await once(t).then(
        (ms) => times.get(t.name)!.push(ms),
        (err: Error) => drop(t, err),
      );
    }
    if ((round + 1) % 10 === 0 || round + 1 === RUNS) console.log(`   round ${round + 1}/${RUNS} done`);
  }
  return times;
}

/** The CLI's start alone: the median of five `--version` runs (no daemon, no container). */
async function cliFloor(t: Tool): Promise<number | undefined> {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const r = await t.cli(['--version']);
    if (r.code !== 0) return undefined;
    xs.push(performance.now() - started);
  }
  return median(xs);
}

interface Idle {
  before: number[];
  after: number[];
  usedDelta: number;
  sleepRss: number;
  sleepAnon: number;
  shimRss: number;
  shimPss: number;
  shims: number;
  shimComms: string;
  daemonGrowth: number;
  perContainer: number;
  perContainerAnon: number;
}

const sumOf = (pids: readonly number[], f: (p: number) => number) => pids.reduce((a, p) => a + f(p), 0);

async function idleMemory(tool: Tool): Promise<Idle> {
  await sleep(SETTLE_MS);
  const before = await usedMemory();
  const daemonsBefore = sumOf(tool.daemonPids(), rssOf);
  const ids: string[] = [];
  for (let i = 0; i < IDLE; i++) {
    if (interrupted) throw new Error('interrupted');
    const r = await tool.cli(['run', '-d', ...tool.runFlags, IMAGE, 'sleep', '1000']);
    ids.push(checked(`${tool.name} run -d`, r).trim().split('\n').pop()!);
  }
  const pids: number[] = [];
  for (let i = 0; i < ids.length; i += 50) {
    const out = checked(
      `${tool.name} inspect`,
      await tool.cli(['inspect', '--format', '{{.State.Pid}}', ...ids.slice(i, i + 50)]),
    );
    pids.push(...out.split('\n').filter(Boolean).map(Number));
  }
  const notSleeping = pids.filter((p) => commOf(p) !== 'sleep');
  if (notSleeping.length)
    throw new Error(`${tool.name}: container init pids ${notSleeping.join(', ')} are not sleep processes`);
  await sleep(SETTLE_MS);
  const after = await usedMemory();
  const sleepRss = sumOf(pids, rssOf);
  const sleepAnon = sumOf(pids, anonOf);
  const shims = [...new Set(pids.map((p) => ppidOf(p)!))];
  const daemonsAfter = sumOf(tool.daemonPids(), rssOf);
  const idle: Idle = {
    before: before.samples,
    after: after.samples,
    usedDelta: after.used - before.used,
    sleepRss,
    sleepAnon,
    shimRss: sumOf(shims, rssOf),
    shimPss: sumOf(shims, pssOf),
    shims: shims.length,
    shimComms: [...new Set(shims.map(commOf))].join(', '),
    daemonGrowth: daemonsAfter - daemonsBefore,
    perContainer: (after.used - before.used - sleepRss) / IDLE,
    perContainerAnon: (after.used - before.used - sleepAnon) / IDLE,
  };
  const rm = await tool.cli(['rm', '-f', ...ids], 300_000);
  if (rm.code !== 0) console.error(`   ${tool.name} rm -f: exit ${rm.code}: ${rm.stderr.trim()}`);
  return idle;
}

// ---- printing ------------------------------------------------------------------------------------

/** ref / berth; a figure at or below zero (memory noise swamping the measurement) has no ratio. */
const ratio = (ref: number | undefined, berth: number | undefined) =>
  ref === undefined || berth === undefined
    ? '—'
    : ref <= 0 || berth <= 0
      ? 'n/a'
      : `${(ref / berth).toFixed(2)}x`;
const mib = (b: number) => (b / MIB).toFixed(2);

function printRuns(
  tools: Tool[],
  times: Map<string, number[]>,
  floors: Map<string, number | undefined>,
): void {
  console.log(`\n== run --rm ${IMAGE} true: ms per run (${RUNS} runs each, rounds, first tool rotated) ==`);
  const stats = new Map<string, { mean: number; median: number } | undefined>();
  const rows = tools.map((t) => {
    const xs = times.get(t.name) ?? [];
    const s = xs.length ? { mean: mean(xs), median: median(xs)! } : undefined;
    stats.set(t.name, s);
    return [
      t.name,
      s ? s.mean.toFixed(1) : '—',
      s ? s.median.toFixed(1) : '—',
      xs.length ? Math.min(...xs).toFixed(1) : '—',
      xs.length ? Math.max(...xs).toFixed(1) : '—',
      String(xs.length),
      floors.get(t.name)?.toFixed(1) ?? '—',
    ];
  });
  table(['tool', 'mean ms', 'median ms', 'min ms', 'max ms', 'runs', 'CLI --version ms'], rows);
  const b = stats.get('berth');
  for (const ref of ['docker', 'podman']) {
    const r = stats.get(ref);
    if (!r) continue;
    console.log(
      `${ref}/berth: mean ${ratio(r.mean, b?.mean)}, median ${ratio(r.median, b?.median)}  (above 1: berth is faster)`,
    );
  }
  console.log(
    'each run is timed from spawning the CLI to its exit; "CLI --version ms" is the CLI process alone (median of 5), part of every run.',
  );
}

function printIdle(tools: Tool[], idle: Map<string, Idle>): void {
  console.log(
    `\n== idle containers: ${IDLE} x run -d ${IMAGE} sleep 1000 per tool (settle ${SETTLE_MS / 1000} s before each sample) ==`,
  );
  const measured = tools.filter((t) => idle.has(t.name));
  table(
    [
      'tool',
      'used before MiB',
      'used after MiB',
      'delta MiB',
      'sleeps RSS MiB',
      'overhead MiB/ctr',
      '(- anon only)',
      'shim',
      'shim RSS MiB/ctr',
      'shim PSS MiB/ctr',
      'daemons RSS growth MiB/ctr',
    ],
    measured.map((t) => {
      const m = idle.get(t.name)!;
      return [
        t.name,
        mib(median(m.before)!),
        mib(median(m.after)!),
        mib(m.usedDelta),
        mib(m.sleepRss),
        mib(m.perContainer),
        mib(m.perContainerAnon),
        `${m.shimComms} x${m.shims}`,
        mib(m.shimRss / IDLE),
        mib(m.shimPss / IDLE),
        t.daemonPids().length ? mib(m.daemonGrowth / IDLE) : '(none)',
      ];
    }),
  );
  const b = idle.get('berth');
  for (const ref of ['docker', 'podman']) {
    const r = idle.get(ref);
    if (!r) continue;
    console.log(
      `${ref}/berth: overhead per container ${ratio(r.perContainer, b?.perContainer)}, shim RSS ${ratio(r.shimRss, b?.shimRss)}, shim PSS ${ratio(r.shimPss, b?.shimPss)}  (above 1: berth uses less)`,
    );
  }
  if (b)
    console.log(
      `berth-native shim RSS alone: ${(b.shimRss / b.shims / KIB).toFixed(0)} KiB each (${b.shims} shims)`,
    );
  console.log('raw used-memory samples (MiB, before | after):');
  for (const t of measured) {
    const m = idle.get(t.name)!;
    console.log(`  ${t.name.padEnd(7)} ${m.before.map(mib).join(' ')} | ${m.after.map(mib).join(' ')}`);
  }
  console.log(
    'overhead = (used after - used before - RSS of the sleep processes) / containers; used = MemTotal - MemAvailable.',
  );
  console.log(
    '"- anon only" subtracts only the sleeps\' anonymous RSS: their file pages (the shared busybox binary) are page cache, which MemAvailable already counts as free, so subtracting full RSS subtracts them once per container.',
  );
  console.log(
    '"n/a": a figure at or below zero, i.e. the machine\'s own memory swings swamped the measurement.',
  );
}

// ---- main -------------------------------------------------------------------------------------------

const started: Tool[] = [];
let work: string | undefined;
let cleaning: Promise<void> | undefined;

/** Containers removed, daemons stopped by PID, leftovers named and killed, mounts undone, the directory removed. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const t of started.splice(0).reverse()) {
      await t.stop().catch((err: Error) => console.error(`   stopping ${t.name}: ${err.message}`));
    }
    if (!work) return;
    const dir = work;
    // A shim or conmon whose container could not be removed still names our directory.
    for (const pid of allPids()) {
      if (pid === process.pid || !cmdlineOf(pid).includes(dir)) continue;
      console.error(`   left over: pid ${pid} ${commOf(pid)}: killing it`);
      await stopPid(pid, 'SIGKILL').catch(() => {});
    }
    const mounts = mountsUnder(dir);
    const tops = mounts.filter((m) => !mounts.some((o) => o !== m && m.startsWith(`${o}/`)));
    for (const m of [...new Set(tops)]) {
      const r = await run('umount', ['-R', m]);
      if (r.code !== 0) await run('umount', ['-R', '-l', m]);
    }
    const still = mountsUnder(dir);
    if (still.length) console.error(`   still mounted under ${dir}: ${still.join(', ')}`);
    else await rm(dir, { recursive: true, force: true });
  })();
  return cleaning;
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const missing = busyboxMissing();
  if (missing) throw new Error(missing);
  work = await mkdtemp(join(tmpdir(), 'berth-bench-containers-'));
  const tarball = makeBusyboxTarball(work, join(work, 'busybox.tar'));
  console.log('== containers: run --rm start-up and idle memory, berth / docker / podman ==');
  console.log(`   image: busybox rootfs (test/helpers/busybox.ts) imported as ${IMAGE} into each tool`);
  console.log(`   work dir: ${work}`);
  console.log(`   ${loadLine()}`);

  const tools: Tool[] = [];
  const starters: [string, typeof startBerth][] = [
    ['berth', startBerth],
    ['docker', startDocker],
    ['podman', startPodman],
  ];
  for (const [name, start] of starters) {
    try {
      const t = await start(join(work, name), tarball, (t) => started.push(t));
      tools.push(t);
      console.log(`   ${name}: ${t.about}`);
    } catch (err) {
      if (interrupted) return;
      const why = err instanceof Skip ? err.message : `could not be set up: ${(err as Error).message}`;
      console.log(`   ${name}: SKIPPED: ${why}`);
    }
  }
  if (!tools.length) throw new Error('no tool could be started; nothing to measure');

  const times = await timeRuns(tools);
  const floors = new Map<string, number | undefined>();
  for (const t of tools) floors.set(t.name, await cliFloor(t));
  if (interrupted) return;
  printRuns(tools, times, floors);

  // What the used-memory figure does with no container started: the machine's own drift.
  await sleep(SETTLE_MS);
  const quietBefore = await usedMemory();
  await sleep(2 * SETTLE_MS);
  const quietAfter = await usedMemory();

  const idle = new Map<string, Idle>();
  for (const t of tools) {
    if (interrupted) return;
    try {
      idle.set(t.name, await idleMemory(t));
      console.log(`   ${t.name}: idle containers measured and removed`);
    } catch (err) {
      console.log(`   ${t.name}: idle memory NOT measured: ${(err as Error).message}`);
      await removeAll(t).catch(() => {});
    }
  }
  printIdle(tools, idle);
  console.log(
    `control, nothing started, ${(2 * SETTLE_MS) / 1000} s apart: used ${mib(quietBefore.used)} -> ${mib(quietAfter.used)} MiB (delta ${mib(quietAfter.used - quietBefore.used)} MiB, i.e. ${mib((quietAfter.used - quietBefore.used) / IDLE)} MiB/ctr of noise at this count)`,
  );
  console.log(`\n   at the end: ${loadLine()}`);
}

try {
  await main();
} finally {
  if (!interrupted) await cleanup();
}
