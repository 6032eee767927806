// Times in filters (`until`, `since` of events and prunes) as Docker reads
// them, and the RFC 3339 times of image configs, both to nanoseconds since the
// epoch so that two images created within the same millisecond still compare.
import { invalidArgument } from './errors.ts';

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;

/**
 * An RFC 3339 time (`2024-05-01T10:11:12.123456789Z`), or the shorter forms
 * Docker's filters take (`2024-05-01`, `2024-05-01T10:11:12`, without a zone
 * meaning local time); undefined when `s` is none of them.
 */
export function parseTimeNanos(s: string): bigint | undefined {
  const m = RFC3339.exec(s.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', sec = '00', frac = '', z, sign, zh, zm] = m;
  // Set field by field: Date.UTC and new Date read years 0 to 99 as 1900 to 1999.
  const at = new Date(0);
  const zoned = Boolean(z || sign);
  if (zoned) {
    at.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
    at.setUTCHours(Number(h), Number(mi), Number(sec), 0);
  } else {
    at.setFullYear(Number(y), Number(mo) - 1, Number(d));
    at.setHours(Number(h), Number(mi), Number(sec), 0);
  }
  let ms = at.getTime();
  if (sign) ms -= (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm)) * 60_000;
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * NS_PER_MS + BigInt(frac.padEnd(9, '0') || '0');
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration (`90m`, `1h30m`, `1.5h`) in milliseconds; undefined when `s` is not one. */
export function parseGoDuration(s: string): number | undefined {
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(s);
  if (!m) return undefined;
  let total = 0;
  for (const part of s.replace(/^[-+]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * DURATION_UNITS[part[2]];
  }
  return m[1] === '-' ? -total : total;
}

/**
 * A filter's time value, as Docker takes it: a duration before now (`24h`), a
 * Unix time in seconds with an optional fraction (`1700000000.5`), or an RFC 3339
 * date or time. `name` is the filter's name, for the error.
 */
export function parseFilterTime(value: string, name: string, now: number = Date.now()): bigint {
  const duration = parseGoDuration(value);
  if (duration !== undefined) return BigInt(Math.round((now - duration) * 1e6));
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (unix) return BigInt(unix[1]) * NS_PER_S + BigInt((unix[2] ?? '').padEnd(9, '0') || '0');
  const time = parseTimeNanos(value);
  if (time !== undefined) return time;
  throw invalidArgument(
    `invalid filter '${name}=${value}': want a duration (24h), a Unix timestamp or an RFC 3339 date or time`,
  );
}

/**
 * A `--since`/`--until` value as the docker CLI sends it: Unix seconds with nine
 * digits of fraction (`1700000000.500000000`), from a duration before now, a Unix
 * time or an RFC 3339 time.
 */
export function unixSecondsArg(value: string, name: string, now: number = Date.now()): string {
  const ns = parseFilterTime(value, name, now);
  const s = ns / NS_PER_S;
  return `${s}.${(ns - s * NS_PER_S).toString().padStart(9, '0')}`;
}
