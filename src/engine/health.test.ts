import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerHealth, ContainerRecord, HealthLogEntry } from './container-record.ts';
import type { ContainerService } from './container-service.ts';
import type { ExecResult } from './exec-service.ts';
import {
  goDuration,
  HealthMonitor,
  healthProbe,
  MAX_LOG_ENTRIES,
  nextDelayMs,
  withResult,
} from './health.ts';

const entry = (ExitCode: number, Output = ''): HealthLogEntry => ({
  Start: '2025-01-01T00:00:00Z',
  End: '2025-01-01T00:00:01Z',
  ExitCode,
  Output,
});
const starting = (): ContainerHealth => ({ Status: 'starting', FailingStreak: 0, Log: [] });

describe('healthProbe', () => {
  it('runs CMD as the arguments and CMD-SHELL through the shell, with Docker defaults', () => {
    assert.deepEqual(healthProbe({ Test: ['CMD', 'curl', '-f', 'x'] }), {
      cmd: ['curl', '-f', 'x'],
      intervalMs: 30_000,
      timeoutMs: 30_000,
      timeoutText: '30s',
      startPeriodMs: 0,
      startIntervalMs: 5_000,
      retries: 3,
    });
    assert.deepEqual(healthProbe({ Test: ['CMD-SHELL', 'exit 1'] })?.cmd, ['/bin/sh', '-c', 'exit 1']);
    assert.deepEqual(healthProbe({ Test: ['CMD-SHELL', 'exit 1'] }, ['/bin/bash', '-ec'])?.cmd, [
      '/bin/bash',
      '-ec',
      'exit 1',
    ]);
    const p = healthProbe({
      Test: ['CMD', 'true'],
      Interval: 2e9,
      Timeout: 5e8,
      StartPeriod: 1e10,
      StartInterval: 1e9,
      Retries: 5,
    });
    assert.equal(p?.intervalMs, 2000);
    assert.equal(p?.timeoutMs, 500);
    assert.equal(p?.timeoutText, '500ms');
    assert.equal(p?.startPeriodMs, 10_000);
    assert.equal(p?.startIntervalMs, 1000);
    assert.equal(p?.retries, 5);
  });

  it('has none for NONE, an empty test, an unknown kind or no config', () => {
    assert.equal(healthProbe({ Test: ['NONE'] }), undefined);
    assert.equal(healthProbe({ Test: [] }), undefined);
    assert.equal(healthProbe({ Test: ['CMD'] }), undefined);
    assert.equal(healthProbe({ Test: ['WHATEVER', 'x'] }), undefined);
    assert.equal(healthProbe(undefined), undefined);
  });

  it('never probes faster than a millisecond', () => {
    assert.equal(healthProbe({ Test: ['CMD', 'true'], Interval: 5 })?.intervalMs, 1);
  });
});

describe('withResult', () => {
  const opts = { retries: 3, inStartPeriod: false };

  it('is healthy after a success, and resets the streak', () => {
    const h = withResult({ Status: 'unhealthy', FailingStreak: 7, Log: [] }, entry(0), opts);
    assert.equal(h.Status, 'healthy');
    assert.equal(h.FailingStreak, 0);
    assert.equal(h.Log.length, 1);
  });

  it('becomes unhealthy after Retries failures in a row, whatever the failing code', () => {
    let h = starting();
    h = withResult(h, entry(1), opts);
    h = withResult(h, entry(2), opts);
    assert.equal(h.Status, 'starting');
    assert.equal(h.FailingStreak, 2);
    h = withResult(h, entry(-1, 'Health check exceeded timeout (1s)'), opts);
    assert.equal(h.Status, 'unhealthy');
    assert.equal(h.FailingStreak, 3);
    const healthy = withResult(withResult(starting(), entry(0), opts), entry(1), opts);
    assert.equal(healthy.Status, 'healthy', 'one failure leaves a healthy container healthy');
  });

  it('does not count failures while starting within the start period', () => {
    const h = withResult(starting(), entry(1), { retries: 1, inStartPeriod: true });
    assert.equal(h.Status, 'starting');
    assert.equal(h.FailingStreak, 0);
    assert.equal(h.Log.length, 1);
    const after = withResult({ Status: 'healthy', FailingStreak: 0, Log: [] }, entry(1), {
      retries: 1,
      inStartPeriod: true,
    });
    assert.equal(after.Status, 'unhealthy', 'once it was healthy, the start period no longer shields it');
  });

  it('keeps the last five results', () => {
    let h = starting();
    for (let i = 0; i < 8; i++) h = withResult(h, entry(0, `run ${i}`), opts);
    assert.equal(h.Log.length, MAX_LOG_ENTRIES);
    assert.deepEqual(
      h.Log.map((l) => l.Output),
      ['run 3', 'run 4', 'run 5', 'run 6', 'run 7'],
    );
  });
});

describe('nextDelayMs', () => {
  const probe = healthProbe({
    Test: ['CMD', 'true'],
    Interval: 30e9,
    StartPeriod: 60e9,
    StartInterval: 2e9,
  })!;
  it('uses StartInterval while starting within the start period, else Interval', () => {
    assert.equal(nextDelayMs(probe, starting(), 1000), 2000);
    assert.equal(nextDelayMs(probe, starting(), 61_000), 30_000);
    assert.equal(nextDelayMs(probe, { Status: 'healthy', FailingStreak: 0, Log: [] }, 1000), 30_000);
  });
});

describe('goDuration', () => {
  it('prints as Go does', () => {
    assert.equal(goDuration(30e9), '30s');
    assert.equal(goDuration(1.5e9), '1.5s');
    assert.equal(goDuration(5e8), '500ms');
    assert.equal(goDuration(90e9), '1m30s');
    assert.equal(goDuration(3600e9), '1h0m0s');
    assert.equal(goDuration(2500), '2.5µs');
    assert.equal(goDuration(0), '0s');
  });
});

/** A container service of one running container, kept as JSON like the real store does. */
function fakeContainers(healthcheck: ContainerRecord['config']['Healthcheck']) {
  let stored: ContainerRecord = {
    id: 'a'.repeat(64),
    name: 'web',
    imageId: 'sha256:x',
    imageRef: 'x',
    created: '2025-01-01T00:00:00Z',
    request: {},
    config: { Healthcheck: healthcheck },
    path: 'sleep',
    args: [],
    state: {
      Status: 'running',
      Pid: 1,
      ExitCode: 0,
      Error: '',
      StartedAt: new Date().toISOString(),
      FinishedAt: '0001-01-01T00:00:00Z',
      OOMKilled: false,
    },
    restartCount: 0,
    snapshotKey: 'k',
    manuallyStopped: false,
    mounts: [],
  };
  let saves = 0;
  const saved: string[] = [];
  const service = {
    events: new EventEmitter(),
    resolve: () => structuredClone(stored),
    save: (r: ContainerRecord) => {
      saves++;
      saved.push(r.state.health?.Status ?? 'none');
      stored = structuredClone(r);
    },
  } as unknown as ContainerService;
  return {
    service,
    get: () => structuredClone(stored),
    set: (r: ContainerRecord) => {
      stored = structuredClone(r);
    },
    saves: () => saves,
    /** The health status of each save, in order. */
    saved,
  };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await sleep(10);
  }
  assert.fail(`gave up waiting: ${what}`);
}

describe('HealthMonitor', () => {
  it('starts as starting, records results in the record, and stops as unhealthy', async () => {
    const c = fakeContainers({ Test: ['CMD-SHELL', 'check'], Interval: 1e6, Retries: 2 });
    const codes = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
    const calls: string[][] = [];
    const probe = async (_id: string, cmd: string[]): Promise<ExecResult> => {
      calls.push(cmd);
      return {
        exitCode: codes[Math.min(calls.length - 1, codes.length - 1)],
        output: 'out',
        timedOut: false,
      };
    };
    const monitor = new HealthMonitor(c.service, probe);
    const record = c.get();
    monitor.start(record);
    assert.deepEqual(record.state.health, { Status: 'starting', FailingStreak: 0, Log: [] });
    c.set(record);
    await until('unhealthy', () => c.get().state.health?.Status === 'unhealthy');
    assert.deepEqual(c.saved.slice(0, 4), ['healthy', 'healthy', 'healthy', 'unhealthy']);
    assert.deepEqual(calls[0], ['/bin/sh', '-c', 'check']);
    const h = c.get().state.health!;
    assert.ok(h.FailingStreak >= 2);
    assert.ok(h.Log.length <= MAX_LOG_ENTRIES);
    assert.equal(h.Log.at(-1)?.Output, 'out');

    const exited = c.get();
    exited.state.Status = 'exited';
    monitor.stop(exited);
    c.set(exited);
    assert.equal(exited.state.health?.Status, 'unhealthy');
    const n = calls.length;
    await sleep(30);
    assert.ok(calls.length <= n + 1, 'at most the check in flight finishes after stop');
    assert.equal(monitor.current(exited.id), undefined);
  });

  it('reports a probe that could not run or timed out as exit code -1', async () => {
    const c = fakeContainers({ Test: ['CMD', 'x'], Interval: 1e6, Timeout: 2e9, Retries: 2 });
    let n = 0;
    const probe = async (): Promise<ExecResult> => {
      n++;
      if (n === 1) throw new Error('exec failed: no such file');
      if (n === 2) return { exitCode: -1, output: '', timedOut: true };
      return new Promise<ExecResult>(() => {}); // no third result: the log stays as it is
    };
    const monitor = new HealthMonitor(c.service, probe);
    const record = c.get();
    monitor.start(record);
    c.set(record);
    await until('unhealthy', () => c.get().state.health?.Status === 'unhealthy');
    monitor.stop(c.get());
    const log = c.get().state.health!.Log;
    assert.equal(log.length, 2);
    assert.equal(log[0].ExitCode, -1);
    assert.equal(log[0].Output, 'exec failed: no such file');
    assert.equal(log[1].ExitCode, -1);
    assert.equal(log[1].Output, 'Health check exceeded timeout (2s)');
  });

  it('gives a container without a check (or with NONE) no health, and does not probe it', async () => {
    const c = fakeContainers({ Test: ['NONE'] });
    let probes = 0;
    const monitor = new HealthMonitor(c.service, async () => {
      probes++;
      return { exitCode: 0, output: '', timedOut: false };
    });
    const record = c.get();
    record.state.health = { Status: 'healthy', FailingStreak: 0, Log: [] };
    monitor.start(record);
    assert.equal(record.state.health, undefined);
    await sleep(20);
    assert.equal(probes, 0);
    assert.equal(c.saves(), 0);
  });

  it('skips checks while the container is paused', async () => {
    const c = fakeContainers({ Test: ['CMD', 'true'], Interval: 1e6 });
    const paused = c.get();
    paused.state.Status = 'paused';
    c.set(paused);
    let probes = 0;
    const monitor = new HealthMonitor(c.service, async () => {
      probes++;
      return { exitCode: 0, output: '', timedOut: false };
    });
    monitor.start(c.get());
    await sleep(30);
    assert.equal(probes, 0);
    const running = c.get();
    running.state.Status = 'running';
    c.set(running);
    await until('a check once running again', () => probes > 0);
    monitor.stop(c.get());
  });
});
