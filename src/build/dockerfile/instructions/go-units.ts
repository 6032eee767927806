// Go's time.ParseDuration and docker/go-units' RAMInBytes, for HEALTHCHECK
// intervals and tmpfs mount sizes.

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3, // U+00B5 micro sign
  μs: 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const COMPONENT = /^([0-9]*)(?:\.([0-9]*))?(ns|us|µs|μs|ms|s|m|h)/;

/** A Go duration string ("1m30s", "1.5h", "300ms") in nanoseconds. */
export function parseGoDuration(text: string): number {
  const invalid = () => new Error(`time: invalid duration ${JSON.stringify(text)}`);
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    const m = COMPONENT.exec(s);
    if (!m) {
      if (/^[0-9.]+$/.test(s)) throw new Error(`time: missing unit in duration ${JSON.stringify(text)}`);
      throw invalid();
    }
    const [all, whole, frac = '', unit] = m;
    if (whole === '' && frac === '') throw invalid();
    const scale = DURATION_UNITS[unit];
    total += Number(whole || '0') * scale;
    if (frac) total += Math.floor(Number(`0.${frac}`) * scale);
    s = s.slice(all.length);
  }
  return sign * total;
}

const RAM_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** "64m", "1g", "512k", "100" (bytes); binary multiples, as Docker's RAMInBytes. */
export function parseRamInBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  if (!m) throw new Error(`invalid size: '${text}'`);
  const n = Number.parseFloat(m[1]);
  if (!Number.isFinite(n)) throw new Error(`invalid size: '${text}'`);
  return Math.trunc(n * (m[2] ? RAM_UNITS[m[2].toLowerCase()] : 1));
}
