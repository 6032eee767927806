// Docker's health checks: while a container with a `Healthcheck` runs, its test runs
// inside it (an exec: CMD as the arguments, CMD-SHELL through the container's shell,
// /bin/sh -c by default) every Interval, each run cut after Timeout. A zero exit makes
// it healthy; Retries failures in a row make it unhealthy, except that failures while it
// is still `starting` within StartPeriod do not count (it is probed every StartInterval
// then). The state is Docker's State.Health, kept in the container's record: status,
// failing streak, the last five results. When the container stops, the monitor stops
// and the status becomes unhealthy, as Docker leaves it.
import { goTime } from '../image/config-json.ts';
import type { HealthConfig } from './container-config.ts';
import type { ContainerHealth, ContainerRecord, HealthLogEntry } from './container-record.ts';
import type { ContainerService } from './container-service.ts';
import { type ExecResult, execServiceOf } from './exec-service.ts';

const NS_PER_MS = 1_000_000;
const DEFAULT_INTERVAL_NS = 30e9;
const DEFAULT_TIMEOUT_NS = 30e9;
const DEFAULT_START_INTERVAL_NS = 5e9;
const DEFAULT_RETRIES = 3;
/** Docker refuses durations below this at create; never probe faster. */
const MIN_DURATION_NS = 1e6;
export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT_BYTES = 4096;

export interface HealthProbe {
  cmd: string[];
  intervalMs: number;
  timeoutMs: number;
  /** The timeout as Go prints it, for the timeout's message. */
  timeoutText: string;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

const orDefault = (ns: number | undefined, fallback: number) =>
  Math.max(ns && ns > 0 ? ns : fallback, MIN_DURATION_NS);

/** The probe a Healthcheck asks for; undefined for none (absent, empty, NONE or an unknown kind). */
export function healthProbe(hc: HealthConfig | undefined, shell?: string[]): HealthProbe | undefined {
  const test = hc?.Test ?? [];
  let cmd: string[];
  if (test[0] === 'CMD') cmd = test.slice(1);
  else if (test[0] === 'CMD-SHELL') cmd = [...(shell?.length ? shell : ['/bin/sh', '-c']), ...test.slice(1)];
  else return undefined;
  if (!cmd.length) return undefined;
  const timeoutNs = orDefault(hc?.Timeout, DEFAULT_TIMEOUT_NS);
  return {
    cmd,
    intervalMs: orDefault(hc?.Interval, DEFAULT_INTERVAL_NS) / NS_PER_MS,
    timeoutMs: timeoutNs / NS_PER_MS,
    timeoutText: goDuration(timeoutNs),
    startPeriodMs: hc?.StartPeriod && hc.StartPeriod > 0 ? hc.StartPeriod / NS_PER_MS : 0,
    startIntervalMs: orDefault(hc?.StartInterval, DEFAULT_START_INTERVAL_NS) / NS_PER_MS,
    retries: hc?.Retries && hc.Retries > 0 ? hc.Retries : DEFAULT_RETRIES,
  };
}

/**
 * The health after one more result (pure). `inStartPeriod`: the check started within the
 * start period, where a failure of a container still `starting` does not count.
 */
export function withResult(
  health: ContainerHealth,
  result: HealthLogEntry,
  opts: { retries: number; inStartPeriod: boolean },
): ContainerHealth {
  const Log = [...health.Log, result].slice(-MAX_LOG_ENTRIES);
  if (result.ExitCode === 0) return { Status: 'healthy', FailingStreak: 0, Log };
  if (health.Status === 'starting' && opts.inStartPeriod) return { ...health, Log };
  const FailingStreak = health.FailingStreak + 1;
  return {
    Status: FailingStreak >= opts.retries ? 'unhealthy' : health.Status,
    FailingStreak,
    Log,
  };
}

/** How long to wait before the next check: StartInterval while starting within the start period. */
export function nextDelayMs(probe: HealthProbe, health: ContainerHealth, sinceStartMs: number): number {
  if (sinceStartMs >= probe.startPeriodMs) return probe.intervalMs;
  return health.Status === 'starting' ? probe.startIntervalMs : probe.intervalMs;
}

/** Go's time.Duration.String() of `ns`: 30s, 1.5s, 500ms, 1m30s, 1h0m0s. */
export function goDuration(ns: number): string {
  const num = (n: number) => String(Number(n.toFixed(9)));
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${num(ns / 1e3)}µs`;
  if (ns < 1e9) return `${num(ns / 1e6)}ms`;
  const h = Math.floor(ns / 3.6e12);
  const m = Math.floor((ns % 3.6e12) / 6e10);
  const s = (ns % 6e10) / 1e9;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${num(s)}s`;
}

type RunProbe = (
  containerId: string,
  cmd: string[],
  opts: { timeoutMs: number; maxOutput: number },
) => Promise<ExecResult>;

interface Monitoring {
  readonly probe: HealthProbe;
  readonly startedAt: number;
  health: ContainerHealth;
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

const monitors = new WeakMap<ContainerService, HealthMonitor>();

/** The health monitor of a container engine (one per ContainerService, made on first use). */
export function healthMonitor(containers: ContainerService): HealthMonitor {
  let m = monitors.get(containers);
  if (!m) {
    const exec = execServiceOf(containers);
    m = new HealthMonitor(containers, (id, cmd, o) => exec.run(id, cmd, o));
    monitors.set(containers, m);
  }
  return m;
}

export class HealthMonitor {
  private readonly running = new Map<string, Monitoring>();

  constructor(
    private readonly containers: ContainerService,
    private readonly runProbe: RunProbe,
  ) {}

  /**
   * The container started running: set its health to `starting` in `record` (the caller
   * saves it) and begin checking. A container without a health check gets no Health.
   */
  start(record: ContainerRecord): void {
    this.cancel(record.id);
    const probe = healthProbe(record.config.Healthcheck, record.config.Shell);
    if (!probe) {
      delete record.state.health;
      return;
    }
    const health: ContainerHealth = {
      Status: 'starting',
      FailingStreak: 0,
      Log: record.state.health?.Log ?? [],
    };
    record.state.health = health;
    const started = Date.parse(record.state.StartedAt);
    const m: Monitoring = {
      probe,
      startedAt: Number.isNaN(started) ? Date.now() : started,
      health: structuredClone(health),
      stopped: false,
    };
    this.running.set(record.id, m);
    this.schedule(record.id, m);
  }

  /** The container stopped: no more checks; its health in `record` (the caller saves it) is unhealthy. */
  stop(record: ContainerRecord): void {
    const m = this.running.get(record.id);
    this.cancel(record.id);
    const health = m?.health ?? record.state.health;
    if (health) record.state.health = { ...health, Status: 'unhealthy' };
  }

  /** The health as the monitor knows it now (undefined when it is not checking the container). */
  current(id: string): ContainerHealth | undefined {
    return this.running.get(id)?.health;
  }

  private cancel(id: string): void {
    const m = this.running.get(id);
    if (!m) return;
    m.stopped = true;
    clearTimeout(m.timer);
    this.running.delete(id);
  }

  private schedule(id: string, m: Monitoring): void {
    if (m.stopped) return;
    const delay = nextDelayMs(m.probe, m.health, Date.now() - m.startedAt);
    m.timer = setTimeout(() => {
      this.check(id, m).finally(() => this.schedule(id, m));
    }, delay);
    m.timer.unref();
  }

  private async check(id: string, m: Monitoring): Promise<void> {
    let record: ContainerRecord;
    try {
      record = this.containers.resolve(id);
    } catch {
      this.cancel(id);
      return;
    }
    if (record.state.Status === 'paused') return;
    const start = new Date();
    let entry: HealthLogEntry;
    try {
      const r = await this.runProbe(id, m.probe.cmd, {
        timeoutMs: m.probe.timeoutMs,
        maxOutput: MAX_OUTPUT_BYTES,
      });
      entry = {
        Start: goTime(start),
        End: goTime(new Date()),
        ExitCode: r.exitCode,
        Output: r.timedOut ? `Health check exceeded timeout (${m.probe.timeoutText})` : r.output,
      };
    } catch (err) {
      entry = {
        Start: goTime(start),
        End: goTime(new Date()),
        ExitCode: -1,
        Output: err instanceof Error ? err.message : String(err),
      };
    }
    if (m.stopped) return;
    m.health = withResult(m.health, entry, {
      retries: m.probe.retries,
      inStartPeriod: start.getTime() - m.startedAt < m.probe.startPeriodMs,
    });
    this.persist(id, m.health);
  }

  private persist(id: string, health: ContainerHealth): void {
    try {
      const record = this.containers.resolve(id);
      if (record.state.Status !== 'running' && record.state.Status !== 'paused') return;
      record.state.health = structuredClone(health);
      this.containers.save(record);
    } catch {}
  }
}
