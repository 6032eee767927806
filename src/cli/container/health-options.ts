// `--health-*` and `--no-healthcheck` into Config.Healthcheck, as Docker's CLI
// builds it: durations are Go durations (`1m30s`, `500ms`) in nanoseconds, the
// command runs in a shell (`CMD-SHELL`), and `--no-healthcheck` turns the image's
// check off (`NONE`) and goes with no other health flag.
import type { HealthConfig } from '../../engine/container-config.ts';

export interface HealthFlags {
  readonly cmd?: string;
  /** Nanoseconds, already parsed. */
  readonly interval?: number;
  readonly timeout?: number;
  readonly startPeriod?: number;
  readonly startInterval?: number;
  readonly retries?: number;
  readonly disable?: boolean;
}

export function buildHealthcheck(f: HealthFlags): HealthConfig | undefined {
  const { interval = 0, timeout = 0, startPeriod = 0, startInterval = 0, retries = 0 } = f;
  const anySetting =
    Boolean(f.cmd) ||
    interval !== 0 ||
    timeout !== 0 ||
    startPeriod !== 0 ||
    retries !== 0 ||
    startInterval !== 0;
  if (f.disable) {
    if (anySetting) throw new Error('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!anySetting) return undefined;
  const negative: [string, number][] = [
    ['--health-interval', interval],
    ['--health-timeout', timeout],
    ['--health-retries', retries],
    ['--health-start-period', startPeriod],
    ['--health-start-interval', startInterval],
  ];
  for (const [flag, v] of negative) if (v < 0) throw new Error(`${flag} cannot be negative`);
  const out: HealthConfig = {};
  if (f.cmd) out.Test = ['CMD-SHELL', f.cmd];
  if (interval) out.Interval = interval;
  if (timeout) out.Timeout = timeout;
  if (startPeriod) out.StartPeriod = startPeriod;
  if (startInterval) out.StartInterval = startInterval;
  if (retries) out.Retries = retries;
  return out;
}
