// Sizes and durations the way Docker's CLI prints them.

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function scaled(bytes: number, base: number, units: string[], digits: number): string {
  let value = bytes;
  let i = 0;
  while (value >= base && i < units.length - 1) {
    value /= base;
    i++;
  }
  let shown = Number(value.toPrecision(digits));
  // 999.6 kB rounds to 1000: say 1MB instead.
  if (shown >= base && i < units.length - 1) {
    i++;
    shown = Number((value / base).toPrecision(digits));
  }
  return `${shown}${units[i]}`;
}

/** Decimal units, 3 significant digits: 4.26MB, 123kB, 1.5GB. Image and layer sizes. */
export const humanSize = (bytes: number): string => scaled(bytes, 1000, DECIMAL, 3);

/** Binary units, 4 significant digits: 23.54GiB. Memory. */
export const bytesSize = (bytes: number): string => scaled(bytes, 1024, BINARY, 4);

/** A duration in words: "Less than a second", "5 seconds", "About a minute", "3 hours", "2 weeks". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** "2 minutes ago"; a time in the future (clock skew) reads as just now. */
export const timeAgo = (then: Date | number, now: Date | number = Date.now()): string =>
  `${humanDuration(Math.max(0, Number(now) - Number(then)))} ago`;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** "Fri May 30 12:07:14 2025" (C's asctime, UTC), as `docker version` prints build times. */
export function formatAnsic(date: Date): string {
  return (
    `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} ${date.getUTCFullYear()}`
  );
}
