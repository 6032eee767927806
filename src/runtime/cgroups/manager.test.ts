// The cgroup manager on this machine's real hierarchies (as root). Each test makes its own
// cgroup under /berth-test-<pid>-<n>, runs real processes in it, and removes both.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CgroupLayout, detectCgroups } from './detect.ts';
import { CgroupManager } from './manager.ts';

const SKIP =
  process.getuid?.() !== 0 ? 'needs root' : !existsSync('/sys/fs/cgroup') ? 'no /sys/fs/cgroup' : false;

let layout: CgroupLayout;
let counter = 0;
const managers: CgroupManager[] = [];
const children: ChildProcess[] = [];
const PARENT = `/berth-test-${process.pid}`;

function newManager(): CgroupManager {
  const m = new CgroupManager(layout, `${PARENT}/c${counter++}`, { timeoutMs: 5000 });
  managers.push(m);
  return m;
}

/** A shell that waits for a line on stdin before running `script`, so it can be moved first. */
function held(script: string): {
  child: ChildProcess;
  go: () => void;
  exited: Promise<{ code: number | null; signal: string | null; stderr: string }>;
} {
  const child = spawn('sh', ['-c', `read go; ${script}`], { stdio: ['pipe', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, go: () => child.stdin!.end('go\n'), exited };
}

const stateOf = (pid: number) => /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

async function killAll(m: CgroupManager) {
  for (let round = 0; round < 50; round++) {
    const pids = await m.pids().catch(() => []);
    if (!pids.length) return;
    await m.thaw().catch(() => {});
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {}
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('CgroupManager on the real hierarchy', { skip: SKIP }, () => {
  before(async () => {
    layout = await detectCgroups();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const m of managers) {
      await killAll(m);
      await m.destroy().catch(() => {});
    }
    await new CgroupManager(layout, PARENT).destroy().catch(() => {});
  });

  it("detects this machine's layout", () => {
    assert.ok(['v1', 'v2', 'hybrid'].includes(layout.mode));
    if (
      existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes') &&
      existsSync('/sys/fs/cgroup/unified/cgroup.procs')
    ) {
      assert.equal(layout.mode, 'hybrid');
      assert.equal(layout.unified, '/sys/fs/cgroup/unified');
      assert.ok(layout.v1.some((h) => h.controllers.includes('memory')));
    }
  });

  it('creates the cgroup, moves a process in, applies limits that read back from the files', async () => {
    const m = newManager();
    await m.create();
    for (const d of m.dirs()) assert.ok(existsSync(d), d);
    const { child, go } = held('exec sleep 60');
    await m.addProcess(child.pid!);
    go();
    assert.deepEqual(await m.pids(), [child.pid]);
    const cgroupLine = readFileSync(`/proc/${child.pid}/cgroup`, 'utf8');
    assert.ok(cgroupLine.includes(m.path), cgroupLine);
    await m.apply({
      memory: { limit: 64 * 1024 * 1024, swap: 64 * 1024 * 1024, reservation: 32 * 1024 * 1024 },
      pids: { limit: 20 },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
    });
    if (layout.mode === 'v2') {
      const read = (f: string) => readFileSync(join(m.dirs()[0], f), 'utf8').trim();
      assert.equal(read('memory.max'), String(64 * 1024 * 1024));
      assert.equal(read('pids.max'), '20');
      assert.equal(read('cpu.max'), '50000 100000');
      assert.equal(read('cpu.weight'), '20');
    } else {
      const read = (c: string, f: string) => readFileSync(join(m.v1Dir(c)!, f), 'utf8').trim();
      assert.equal(read('memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
      if (existsSync(join(m.v1Dir('memory')!, 'memory.memsw.limit_in_bytes'))) {
        assert.equal(read('memory', 'memory.memsw.limit_in_bytes'), String(64 * 1024 * 1024));
      }
      assert.equal(read('memory', 'memory.soft_limit_in_bytes'), String(32 * 1024 * 1024));
      assert.equal(read('pids', 'pids.max'), '20');
      assert.equal(read('cpu', 'cpu.shares'), '512');
      assert.equal(read('cpu', 'cpu.cfs_quota_us'), '50000');
      assert.equal(read('cpu', 'cpu.cfs_period_us'), '100000');
      assert.equal(read('cpuset', 'cpuset.cpus'), '0');
    }
    // Raising memory above memory+swap must reorder the writes, not fail.
    await m.update({ memory: { limit: 128 * 1024 * 1024, swap: 256 * 1024 * 1024 } });
    const stats = await m.stats();
    assert.equal(stats.memory.limit, 128 * 1024 * 1024);
    assert.equal(stats.pids.current, 1);
    assert.equal(stats.pids.limit, 20);
    // A process moved in keeps its pages charged where they were, so usage may still be 0.
    assert.ok(Number.isFinite(stats.memory.usage));
    assert.equal(typeof stats.cpu.usageNanos, 'number');
    child.kill('SIGKILL');
  });

  it('applies device rules: a denied device cannot be opened, an allowed one can', async () => {
    if (layout.mode === 'v2') return;
    const m = newManager();
    await m.create();
    await m.apply({
      devices: [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 5, access: 'rw' },
      ],
    });
    const list = readFileSync(join(m.v1Dir('devices')!, 'devices.list'), 'utf8');
    assert.match(list, /^c 1:5 rwm?$/m);
    assert.doesNotMatch(list, /^a \*:\* rwm$/m);
    const { child, go, exited } = held(
      'head -c 1 /dev/zero >/dev/null && echo zero-ok >&2; (: </dev/kmsg) 2>/dev/null && echo kmsg-open >&2 || echo kmsg-denied >&2',
    );
    await m.addProcess(child.pid!);
    go();
    const { stderr } = await exited;
    assert.match(stderr, /zero-ok/);
    assert.match(stderr, /kmsg-denied/);
    assert.doesNotMatch(stderr, /kmsg-open/);
  });

  it('freezes and thaws a running process', async () => {
    const m = newManager();
    await m.create();
    const { child, go } = held('while :; do :; done');
    await m.addProcess(child.pid!);
    go();
    await m.freeze();
    assert.equal(await m.freezerState(), 'FROZEN');
    assert.equal(stateOf(child.pid!), 'D');
    await m.thaw();
    assert.equal(await m.freezerState(), 'THAWED');
    assert.notEqual(stateOf(child.pid!), 'D');
    child.kill('SIGKILL');
  });

  it('OOM-kills a process that exceeds a 32 MiB memory limit, and counts it', async () => {
    const m = newManager();
    await m.create();
    const limit = 32 * 1024 * 1024;
    await m.apply({ memory: { limit, swap: limit } });
    assert.equal(await m.oomKills(), 0);
    // tail keeps the whole newline-free line in memory: 200 MiB of it cannot fit.
    const { child, go, exited } = held('head -c 200M /dev/zero | tail; echo "status $?" >&2');
    await m.addProcess(child.pid!);
    go();
    const { stderr } = await exited;
    assert.match(stderr, /status 137/, stderr);
    assert.ok((await m.oomKills()) >= 1);
    const stats = await m.stats();
    assert.ok(stats.memory.oomKills >= 1);
    if (stats.memory.maxUsage !== undefined) assert.ok(stats.memory.maxUsage <= limit);
  });

  it('stops a fork bomb at the pids limit', async () => {
    const m = newManager();
    await m.create();
    await m.apply({ pids: { limit: 10 } });
    const { child, go, exited } = held(
      'i=0; while [ $i -lt 30 ]; do sleep 30 & i=$((i+1)); done; echo "spawned $(jobs -p | wc -l)" >&2; kill $(jobs -p) 2>/dev/null',
    );
    await m.addProcess(child.pid!);
    go();
    const { stderr } = await exited;
    assert.match(stderr, /fork|Resource temporarily unavailable/i, stderr);
    const stats = await m.stats();
    assert.ok(stats.pids.current <= 10);
    if (layout.mode !== 'v2') {
      const events = readFileSync(join(m.v1Dir('pids')!, 'pids.events'), 'utf8');
      assert.match(events, /^max [1-9]/m);
    }
  });

  it('destroys the directories in every hierarchy once the processes are gone', async () => {
    const m = newManager();
    await m.create();
    const { child, go, exited } = held('exit 0');
    await m.addProcess(child.pid!);
    go();
    await exited;
    await m.destroy();
    for (const d of m.dirs()) assert.equal(existsSync(d), false, d);
    await m.destroy();
  });
});
