// Container start-up on the default bridge network: berth beside docker, each with a
// private daemon on a temporary root made here and removed at the end.
//
// `run --rm IMAGE true` is timed in two modes per tool: on the default bridge (no
// --network flag: a veth pair into the bridge, an address from the bridge's subnet, the
// routes) and with `--network none` (a namespace with only loopback). The difference of
// the two is what the bridge itself costs per container. After one untimed warm-up run
// of every (tool, mode), BENCH_RUNS rounds (default 30) run each once; the first to go
// rotates every round, so no side always follows the same one. Each run is timed from
// spawning the CLI to its exit, as a user sees it (the CLI's own start is included: node
// for berth, Go for docker). Printed: mean, median, min, max ms per run, docker/berth per
// mode (above 1: berth is faster), and bridge - none per tool.
//
// The daemons:
// - berth: `berth daemon` (TestDaemon) on a temp root and state, with its default bridge
//   named `bb<6 hex>` at 172.31.<n>.1/24 (`--bridge`, `--bip`; n is picked so that no
//   route of the host is in that /24).
// - docker: Debian's dockerd with its own --data-root, --exec-root, --pidfile and
//   `-H unix://<socket>` (its containerd is its child), overlay2, WITH iptables, masquerade
//   and the userland proxy (the defaults), and a bridge of its own: `db<6 hex>` at
//   172.30.<n>.1/24, made here and given with --bridge (docker0 is neither created nor
//   touched).
//
// The host is left as it was found. Before any daemon starts, the iptables filter and nat
// tables, the FORWARD policy, net.ipv4.ip_forward and net.bridge.bridge-nf-call-ip(6)tables
// are recorded. At the end (also on error and Ctrl-C): every container is removed, the
// daemons are stopped by PID (then dockerd's containerd, any docker-proxy for our subnet
// and any process naming the work dir), everything mounted under the work dir is unmounted
// (`umount -R`), the iptables rules added since the start that name our bridges or subnets,
// and docker's chains (DOCKER, DOCKER-USER, DOCKER-ISOLATION-STAGE-1/2) when they did not
// exist before, are deleted with the rules that jump to them (and, with iptables-nft, a
// table that was not there before and is empty now), the policy and the sysctls are
// restored where they changed, both bridges are deleted, and the work dir is removed.
// What berth leaves behind after its daemon stopped (rules, its bridge) is named on the
// way, since berth is meant to leave no rule behind after `rm -f`.
//
//   node --import tsx bench/network-run.ts
//   env: BENCH_RUNS (default 30), BENCH_TOOLS (default berth,docker; `docker` alone
//        measures docker while berth's bridge is not there yet)
//
// bench/network-throughput.ts shares this file's daemons and cleanup (the exports below).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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
import { allPids, childrenOf, cmdlineOf, commOf, mountsUnder } from './proc.ts';

export const IMAGE = 'busybox:bench';

/** A tool under test: its CLI bound to its private daemon. */
export interface Tool {
  readonly name: 'berth' | 'docker';
  readonly about: string;
  /** The default bridge's interface name and the /24 prefix of its subnet ("172.30.7."). */
  readonly bridge: string;
  readonly subnetPrefix: string;
  cli(args: readonly string[], timeoutMs?: number): Promise<RunResult>;
}

/** a / b as "1.23x"; "—" when either is missing or not above zero (noise). */
export const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || a <= 0 || b <= 0 ? '—' : `${(a / b).toFixed(2)}x`;

// ---- cleanup: a stack of undo steps, run last-registered first, once ---------------------

const undo: { what: string; step: () => Promise<void> }[] = [];
let cleaning: Promise<void> | undefined;
let stopping = false;

/** Register an undo step; it runs at the end, on error and on Ctrl-C. */
export function onCleanup(what: string, step: () => Promise<void>): void {
  undo.push({ what, step });
}

export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (undo.length) {
      const { what, step } = undo.pop()!;
      await step().catch((err: Error) => console.error(`   cleanup: ${what}: ${err.message}`));
    }
  })();
  return cleaning;
}

/** Whether Ctrl-C or SIGTERM arrived: loops stop, failures after it are expected. */
export const interrupted = (): boolean => stopping;

// ---- the host's network state -----------------------------------------------------------------

const linkExists = (name: string) => existsSync(`/sys/class/net/${name}`);

async function deleteLink(name: string): Promise<void> {
  if (!linkExists(name)) return;
  checked(`ip link del ${name}`, await run('ip', ['link', 'del', name]));
}

const ipv4 = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);

/** A /24 under `prefix` ("172.30") that overlaps no address or route of the host: "172.30.<n>.". */
async function freeSubnet(prefix: string): Promise<string> {
  const routes = checked('ip -4 route', await run('ip', ['-4', 'route', 'show', 'table', 'all']));
  const addrs = checked('ip -4 addr', await run('ip', ['-4', '-o', 'addr', 'show']));
  const taken = [...`${routes}\n${addrs}`.matchAll(/(?:^|\s)(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?(?=\s|$)/gm)].map(
    (m) => {
      const bits = Number(m[2] ?? 32);
      const size = 2 ** (32 - bits);
      const start = Math.floor(ipv4(m[1]) / size) * size;
      return { start, end: start + size };
    },
  );
  for (let tries = 0; tries < 100; tries++) {
    const n = 16 + Math.floor(Math.random() * 224);
    const start = ipv4(`${prefix}.${n}.0`);
    if (!taken.some((r) => r.start < start + 256 && start < r.end)) return `${prefix}.${n}.`;
  }
  throw new Error(`no /24 under ${prefix}.0.0/16 is free of the host's addresses and routes`);
}

const SYSCTLS = [
  '/proc/sys/net/ipv4/ip_forward',
  '/proc/sys/net/bridge/bridge-nf-call-iptables',
  '/proc/sys/net/bridge/bridge-nf-call-ip6tables',
];
const TABLES = ['filter', 'nat'] as const;
const DOCKER_CHAINS = ['DOCKER', 'DOCKER-USER', 'DOCKER-ISOLATION-STAGE-1', 'DOCKER-ISOLATION-STAGE-2'];

interface Iptables {
  chains: Map<string, Set<string>>;
  rules: Map<string, string[]>;
}

/** What the host's netfilter and forwarding looked like before anything was started. */
interface HostState {
  iptables: Iptables;
  forwardPolicy: string;
  sysctls: Map<string, string | undefined>;
  /** The nf_tables tables of family ip, when iptables is iptables-nft (undefined with legacy). */
  nftTables: Set<string> | undefined;
}

async function nftTablesNow(): Promise<Set<string> | undefined> {
  const version = await run('iptables', ['--version']);
  if (!version.stdout.includes('nf_tables')) return undefined;
  const r = await run('nft', ['list', 'tables']);
  if (r.code !== 0) return undefined;
  return new Set([...r.stdout.matchAll(/^table ip (\S+)$/gm)].map((m) => m[1]));
}

const BUILTIN_CHAINS: Record<(typeof TABLES)[number], string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

/**
 * With iptables-nft, a rule's first use makes the table (`table ip filter`), and deleting the
 * rule leaves it, empty. A table that was not there before and holds nothing now (built-in
 * chains with policy ACCEPT, no rule, no chain of its own) is deleted.
 */
async function dropEmptyTables(before: Set<string> | undefined): Promise<void> {
  const now = await nftTablesNow();
  if (!before || !now) return;
  for (const t of TABLES) {
    if (before.has(t) || !now.has(t)) continue;
    const lines = checked(`iptables-save -t ${t}`, await run('iptables-save', ['-t', t])).split('\n');
    const empty =
      !lines.some((l) => l.startsWith('-A ')) &&
      lines
        .filter((l) => l.startsWith(':'))
        .every((l) => {
          const [name, policy] = l.slice(1).split(' ');
          return BUILTIN_CHAINS[t].includes(name) && policy === 'ACCEPT';
        });
    if (!empty) continue;
    const r = await run('nft', ['delete', 'table', 'ip', t]);
    if (r.code !== 0) console.error(`   nft delete table ip ${t}: ${r.stderr.trim()}`);
  }
}

async function iptablesNow(): Promise<Iptables> {
  const chains = new Map<string, Set<string>>();
  const rules = new Map<string, string[]>();
  for (const t of TABLES) {
    const lines = checked(`iptables-save -t ${t}`, await run('iptables-save', ['-t', t])).split('\n');
    chains.set(t, new Set(lines.filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0])));
    rules.set(
      t,
      lines.filter((l) => l.startsWith('-A ')),
    );
  }
  return { chains, rules };
}

async function forwardPolicy(): Promise<string> {
  const out = checked('iptables -S FORWARD', await run('iptables', ['-w', '-S', 'FORWARD']));
  return out.match(/^-P FORWARD (\S+)/m)?.[1] ?? 'ACCEPT';
}

const readSysctl = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

let host: HostState | undefined;

/** Record the host's netfilter and forwarding state; the undo step puts back what changed. */
async function recordHost(): Promise<void> {
  if (host) return;
  const state: HostState = {
    iptables: await iptablesNow(),
    forwardPolicy: await forwardPolicy(),
    sysctls: new Map(SYSCTLS.map((p) => [p, readSysctl(p)])),
    nftTables: await nftTablesNow(),
  };
  host = state;
  onCleanup('restore the FORWARD policy, sysctls and iptables tables', async () => {
    await dropEmptyTables(state.nftTables);
    const policy = await forwardPolicy();
    if (policy !== state.forwardPolicy) {
      console.log(`   FORWARD policy ${policy} -> ${state.forwardPolicy} (as it was)`);
      checked('iptables -P', await run('iptables', ['-w', '-P', 'FORWARD', state.forwardPolicy]));
    }
    for (const [path, was] of state.sysctls) {
      const now = readSysctl(path);
      if (was === undefined || now === undefined || now === was) continue;
      console.log(`   ${path.slice('/proc/sys/'.length).replaceAll('/', '.')} ${now} -> ${was} (as it was)`);
      writeFileSync(path, was);
    }
  });
}

/** Split an iptables-save rule into arguments (values with spaces come double-quoted). */
function ruleArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  }
  return out;
}

/**
 * Delete the rules added since recordHost() that name `bridge` or an address in
 * `subnetPrefix`, and, with `chains`, those chains (with every rule that jumps to them)
 * when they did not exist before. Returns the rules deleted.
 */
async function removeAddedRules(
  bridge: string,
  subnetPrefix: string,
  chains: string[] = [],
): Promise<string[]> {
  if (!host) return [];
  const now = await iptablesNow();
  const removed: string[] = [];
  for (const t of TABLES) {
    const before = new Set(host.iptables.rules.get(t));
    const newChains = chains.filter(
      (c) => now.chains.get(t)!.has(c) && !host!.iptables.chains.get(t)!.has(c),
    );
    for (const line of now.rules.get(t)!) {
      if (before.has(line)) continue;
      const args = ruleArgs(line);
      const ours =
        args.includes(bridge) ||
        args.some((a) => a.startsWith(subnetPrefix)) ||
        newChains.includes(args[1]) ||
        args.some((a, i) => (a === '-j' || a === '-g') && newChains.includes(args[i + 1]));
      if (!ours) continue;
      // A rule inside a chain that is about to go is flushed with it.
      if (newChains.includes(args[1])) continue;
      const r = await run('iptables', ['-w', '-t', t, '-D', ...args.slice(1)]);
      if (r.code === 0) removed.push(`-t ${t} ${line}`);
      else console.error(`   iptables -t ${t} -D ${args.slice(1).join(' ')}: ${r.stderr.trim()}`);
    }
    for (const c of newChains) await run('iptables', ['-w', '-t', t, '-F', c]);
    for (const c of newChains) {
      const r = await run('iptables', ['-w', '-t', t, '-X', c]);
      if (r.code === 0) removed.push(`-t ${t} chain ${c}`);
      else console.error(`   iptables -t ${t} -X ${c}: ${r.stderr.trim()}`);
    }
  }
  return removed;
}

// ---- the tools -----------------------------------------------------------------------------

/** Remove every container the tool has (its daemon is ours alone). */
async function removeAll(tool: Tool): Promise<void> {
  const ids = (await tool.cli(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
  if (!ids.length) return;
  const r = await tool.cli(['rm', '-f', ...ids], 180_000);
  if (r.code !== 0) console.error(`   ${tool.name} rm -f: exit ${r.code}: ${r.stderr.trim()}`);
}

async function startBerth(dir: string, tarball: string): Promise<Tool> {
  if (process.getuid?.() !== 0) throw new Skip('berth needs root here (namespaces, bridges, iptables)');
  const bridge = `bb${randomBytes(3).toString('hex')}`;
  const subnetPrefix = await freeSubnet('172.31');
  const bip = `${subnetPrefix}1/24`;
  let daemon: TestDaemon | undefined;
  let tool: Tool | undefined;
  // Registered before the daemon starts: it may make the bridge and rules, then die.
  onCleanup('berth', async () => {
    if (tool && daemon && pidAlive(daemon.pid)) await removeAll(tool).catch(() => {});
    if (daemon) {
      await stopPid(daemon.pid);
      await daemon.exited;
    }
    const left = await removeAddedRules(bridge, subnetPrefix);
    if (left.length) {
      console.log(
        `   after berthd stopped, ${left.length} iptables rule(s) naming ${bridge} or ${bip} remained (a default network's rules may outlive the daemon, as docker's do; a container's would be a leak); deleted now:`,
      );
      for (const l of left) console.log(`     ${l}`);
    }
    if (linkExists(bridge)) {
      await deleteLink(bridge);
      console.log(`   berth's default bridge ${bridge} deleted (it outlives the daemon, as docker0 does)`);
    }
  });
  const d = await TestDaemon.start({
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    args: ['--bridge', bridge, '--bip', bip],
  }).catch((err: Error) =>
    Promise.reject(new Error(`berth daemon --bridge ${bridge} --bip ${bip} did not start: ${err.message}`)),
  );
  daemon = d;
  const version = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version as string;
  tool = {
    name: 'berth',
    about: `berth ${version} (bin/berth, berthd pid ${d.pid}, default bridge ${bridge} ${bip})`,
    bridge,
    subnetPrefix,
    cli: (args, timeoutMs = 60_000) =>
      run(process.execPath, [BERTH_BIN, '-H', `unix://${d.socket}`, ...args], { timeoutMs }),
  };
  checked('berth import', await tool.cli(['import', tarball, IMAGE], 180_000));
  return tool;
}

async function startDocker(dir: string, tarball: string): Promise<Tool> {
  const missing = dockerdMissing();
  if (missing) throw new Skip(missing);
  const bridge = `db${randomBytes(3).toString('hex')}`;
  const subnetPrefix = await freeSubnet('172.30');
  const cidr = `${subnetPrefix}1/24`;
  onCleanup(`delete bridge ${bridge}`, () => deleteLink(bridge));
  checked('ip link add', await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']));
  checked('ip addr add', await run('ip', ['addr', 'add', cidr, 'dev', bridge]));
  checked('ip link set up', await run('ip', ['link', 'set', bridge, 'up']));
  onCleanup("docker's iptables rules", async () => {
    const removed = await removeAddedRules(bridge, subnetPrefix, DOCKER_CHAINS);
    if (removed.length) console.log(`   deleted ${removed.length} iptables rules and chains dockerd left`);
  });

  const dockerd = await spawnDockerd(dir, {
    network: [
      '--bridge',
      bridge,
      '--iptables=true',
      '--ip-masq=true',
      '--userland-proxy=true',
      '--ip6tables=false',
    ],
    storageDriver: 'overlay2',
  });
  const { socket } = dockerd;
  const pid = dockerd.child.pid!;
  const tool: Tool = {
    name: 'docker',
    about: '',
    bridge,
    subnetPrefix,
    cli: (args, timeoutMs = 60_000) => dockerd.docker(args, timeoutMs),
  };
  onCleanup('dockerd', async () => {
    if (pidAlive(pid))
      await removeAll(tool).catch((err: Error) => console.error(`   docker: ${err.message}`));
    const children = childrenOf(pid);
    await stopPid(pid);
    // dockerd stops the containerd and docker-proxy processes it started; if it was killed instead, they stay.
    for (const p of children) await stopPid(p);
    for (const p of allPids()) {
      if (commOf(p) === 'docker-proxy' && cmdlineOf(p).includes(`-container-ip ${subnetPrefix}`)) {
        console.error(`   left over: docker-proxy pid ${p}: stopping it`);
        await stopPid(p);
      }
    }
  });
  const tail = () => dockerd.log().trim().split('\n').slice(-8).join('\n');
  await waitFor(
    async () => {
      if (!pidAlive(pid)) throw new Error(`dockerd exited:\n${tail()}`);
      return existsSync(socket) && (await tool.cli(['version'])).code === 0;
    },
    'dockerd to answer',
    60_000,
  ).catch((err: Error) => Promise.reject(new Error(`${err.message}\n${tail()}`)));
  const format = async (args: string[]) => checked(`docker ${args[0]}`, await tool.cli(args)).trim();
  const server = await format(['version', '--format', '{{.Server.Version}}']);
  const client = await format(['version', '--format', '{{.Client.Version}}']);
  const driver = await format(['info', '--format', '{{.Driver}}']);
  const subnet = await format([
    'network',
    'inspect',
    'bridge',
    '--format',
    '{{range .IPAM.Config}}{{.Subnet}}{{end}}',
  ]);
  checked('docker import', await tool.cli(['import', tarball, IMAGE], 180_000));
  return {
    ...tool,
    about: `dockerd ${server} (pid ${pid}, own containerd, ${driver}, default bridge ${bridge} ${subnet}, iptables, userland proxy), docker CLI ${client}`,
  };
}

// ---- one benchmark's life: tools up, body, everything down ---------------------------------

export interface Bench {
  readonly work: string;
  readonly tools: Tool[];
}

/**
 * Start the tools BENCH_TOOLS names (default both) on a busybox image, run `body`, then
 * clean up (also on error and Ctrl-C). Exit code 1 when a tool failed to start or `body`
 * reported a failure; a skipped tool (not installed, not asked for) is not a failure.
 */
export async function runBench(title: string, body: (bench: Bench) => Promise<boolean>): Promise<void> {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      console.error(`\n${sig}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  let ok = true;
  try {
    ok = await setUpAndRun(title, body);
  } catch (err) {
    if (!stopping) throw err;
  } finally {
    if (!stopping) await cleanup();
  }
  if (!ok) process.exitCode = 1;
}

async function setUpAndRun(title: string, body: (bench: Bench) => Promise<boolean>): Promise<boolean> {
  const missing = busyboxMissing();
  if (missing) throw new Error(missing);
  const work = await mkdtemp(join(tmpdir(), 'berth-bench-network-'));
  onCleanup(`remove ${work}`, async () => {
    // A shim whose container could not be removed still names the work dir.
    for (const pid of allPids()) {
      if (pid === process.pid || !cmdlineOf(pid).includes(work)) continue;
      console.error(`   left over: pid ${pid} ${commOf(pid)}: killing it`);
      await stopPid(pid, 'SIGKILL').catch(() => {});
    }
    const mounts = mountsUnder(work);
    const tops = mounts.filter((m) => !mounts.some((o) => o !== m && m.startsWith(`${o}/`)));
    for (const m of new Set(tops)) {
      const r = await run('umount', ['-R', m]);
      if (r.code !== 0) await run('umount', ['-R', '-l', m]);
    }
    const still = mountsUnder(work);
    if (still.length) console.error(`   still mounted under ${work}: ${still.join(', ')}; left in place`);
    else await rm(work, { recursive: true, force: true });
  });
  const tarball = makeBusyboxTarball(work, join(work, 'busybox.tar'));
  console.log(`== ${title} ==`);
  console.log(`   image: busybox rootfs (test/helpers/busybox.ts) imported as ${IMAGE} into each tool`);
  console.log(`   work dir: ${work}`);
  console.log(`   ${loadLine()}`);

  const asked = (process.env.BENCH_TOOLS ?? 'berth,docker').split(',').map((s) => s.trim());
  const unknown = asked.filter((a) => a !== 'berth' && a !== 'docker');
  if (unknown.length)
    throw new Error(`BENCH_TOOLS: unknown ${unknown.join(', ')}; use berth, docker or both`);
  if (process.getuid?.() === 0) await recordHost();

  let ok = true;
  const tools: Tool[] = [];
  const starters = [
    ['berth', startBerth],
    ['docker', startDocker],
  ] as const;
  for (const [name, start] of starters) {
    if (stopping) return ok;
    if (!asked.includes(name)) {
      console.log(`   ${name}: skipped (not in BENCH_TOOLS)`);
      continue;
    }
    try {
      const t = await start(join(work, name), tarball);
      tools.push(t);
      console.log(`   ${name}: ${t.about}`);
    } catch (err) {
      if (stopping) return ok;
      if (err instanceof Skip) console.log(`   ${name}: SKIPPED: ${err.message}`);
      else {
        ok = false;
        console.log(`   ${name}: FAILED to set up: ${(err as Error).message}`);
      }
    }
  }
  if (!tools.length) throw new Error('no tool could be started; nothing to measure');
  if (!(await body({ work, tools }))) ok = false;
  if (!stopping) console.log(`\n   at the end: ${loadLine()}`);
  return ok;
}

// ---- this benchmark: run --rm on the bridge and with --network none ----------------------------

type Mode = 'bridge' | 'none';
const MODES: readonly Mode[] = ['bridge', 'none'];
const modeFlags = (m: Mode) => (m === 'none' ? ['--network', 'none'] : []);

interface Side {
  readonly tool: Tool;
  readonly mode: Mode;
  readonly key: string;
}

async function timeRuns(tools: Tool[], runs: number): Promise<{ times: Map<string, number[]>; ok: boolean }> {
  const sides: Side[] = tools.flatMap((tool) =>
    MODES.map((mode) => ({ tool, mode, key: `${tool.name}/${mode}` })),
  );
  const times = new Map<string, number[]>(sides.map((s) => [s.key, []]));
  let ok = true;
  let live = [...sides];
  const drop = (s: Side, err: Error) => {
    if (stopping) return;
    ok = false;
    console.log(`   ${s.key} dropped: ${err.message}`);
    live = live.filter((x) => x !== s);
  };
  const once = async (s: Side): Promise<number> => {
    const started = performance.now();
    const r = await s.tool.cli(['run', '--rm', ...modeFlags(s.mode), IMAGE, 'true']);
    const ms = performance.now() - started;
    checked(`${s.tool.name} run --rm ${modeFlags(s.mode).join(' ')} ${IMAGE} true`.replace(/ +/g, ' '), r);
    return ms;
  };
  for (const s of sides) await once(s).catch((err: Error) => drop(s, err));
  for (let round = 0; round < runs && !stopping && live.length; round++) {
    const order = live.map((_, k) => live[(round + k) % live.length]);
    for (const s of order) {
      if (stopping || !live.includes(s)) continue;
      await once(s).then(
        (ms) => times.get(s.key)!.push(ms),
        (err: Error) => drop(s, err),
      );
    }
    if ((round + 1) % 10 === 0 || round + 1 === runs) console.log(`   round ${round + 1}/${runs} done`);
  }
  return { times, ok };
}

function printRuns(tools: Tool[], times: Map<string, number[]>, runs: number): void {
  const stat = (key: string) => {
    const xs = times.get(key) ?? [];
    return xs.length
      ? { mean: mean(xs), median: median(xs)!, min: Math.min(...xs), max: Math.max(...xs), n: xs.length }
      : undefined;
  };
  console.log(
    `\n== run --rm ${IMAGE} true: ms per run (${runs} rounds, first side rotated, after a warm-up) ==`,
  );
  const rows: string[][] = [];
  for (const mode of MODES) {
    for (const t of tools) {
      const s = stat(`${t.name}/${mode}`);
      rows.push([
        t.name,
        mode === 'bridge' ? 'default bridge' : '--network none',
        s ? s.mean.toFixed(1) : '—',
        s ? s.median.toFixed(1) : '—',
        s ? s.min.toFixed(1) : '—',
        s ? s.max.toFixed(1) : '—',
        String(s?.n ?? 0),
      ]);
    }
  }
  table(['tool', 'network', 'mean ms', 'median ms', 'min ms', 'max ms', 'runs'], rows);
  console.log('');
  for (const mode of MODES) {
    const b = stat(`berth/${mode}`);
    const d = stat(`docker/${mode}`);
    if (!b || !d) continue;
    console.log(
      `docker/berth, ${mode === 'bridge' ? 'default bridge' : '--network none'}: mean ${ratio(d.mean, b.mean)}, median ${ratio(d.median, b.median)}  (above 1: berth is faster)`,
    );
  }
  const cost = new Map<string, { mean: number; median: number }>();
  for (const t of tools) {
    const br = stat(`${t.name}/bridge`);
    const no = stat(`${t.name}/none`);
    if (!br || !no) continue;
    const c = { mean: br.mean - no.mean, median: br.median - no.median };
    cost.set(t.name, c);
    console.log(
      `${t.name}: the bridge costs ${c.mean.toFixed(1)} ms per run (mean), ${c.median.toFixed(1)} ms (median)  (default bridge - --network none)`,
    );
  }
  const bc = cost.get('berth');
  const dc = cost.get('docker');
  if (bc && dc)
    console.log(
      `docker/berth, the bridge's own cost: mean ${ratio(dc.mean, bc.mean)}, median ${ratio(dc.median, bc.median)}  (— when a cost is at or below zero: noise)`,
    );
  console.log(
    'each run is timed from spawning the CLI to its exit (the CLI process start is in every figure).',
  );
}

async function main(): Promise<void> {
  const runs = count('BENCH_RUNS', 30);
  await runBench('network: run --rm on the default bridge, berth / docker', async ({ tools }) => {
    const { times, ok } = await timeRuns(tools, runs);
    if (!stopping) printRuns(tools, times, runs);
    return ok;
  });
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) await main();
