// Durations in config files: Go's form as distribution's config uses it ("24h", "1h30m",
// "90s", "500ms"), or a bare number of seconds.
import { invalidArgument } from '../util/errors.ts';

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of a duration; `key` names the setting in the error. */
export function parseDuration(value: unknown, key: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000;
  if (typeof value === 'string') {
    const s = value.trim();
    const parts = [...s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
    if (s !== '' && parts.map((p) => p[0]).join('') === s) {
      return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]], 0);
    }
  }
  throw invalidArgument(
    `${key}: invalid duration ${JSON.stringify(value)}: want e.g. "24h", "1h30m", "60s" or a number of seconds`,
  );
}
