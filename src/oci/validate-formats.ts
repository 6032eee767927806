// The two string formats the OCI schemas enforce: `uri` (descriptor urls) and `date-time`
// (config and history `created`). Written from RFC 3986 and RFC 3339, with the choices that
// the JSON schema validators make where the RFCs leave room: a URI needs a scheme and a
// non-empty hier-part; a date-time may separate date and time with `T`, `t` or a space and
// needs a time zone, `Z` or an offset.
import { isIPv6 } from 'node:net';
import type { At } from './validate-fields.ts';
import { wantString } from './validate-fields.ts';

const UNRESERVED_OR_SUB_DELIM = "A-Za-z0-9\\-._~!$&'()*+,;=";
const PCT_ENCODED = '%[0-9A-Fa-f]{2}';
const PCHAR = `(?:[${UNRESERVED_OR_SUB_DELIM}:@]|${PCT_ENCODED})`;
const SEGMENT = `${PCHAR}*`;
const SEGMENT_NZ = `${PCHAR}+`;

const URI_PARTS_RE = /^([A-Za-z][A-Za-z0-9+.-]*):([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;
const AUTHORITY_RE = new RegExp(
  `^(?:(?:[${UNRESERVED_OR_SUB_DELIM}:]|${PCT_ENCODED})*@)?` +
    `(\\[[^\\]]*\\]|(?:[${UNRESERVED_OR_SUB_DELIM}]|${PCT_ENCODED})*)(?::[0-9]*)?$`,
);
const PATH_ABEMPTY_RE = new RegExp(`^(?:/${SEGMENT})*$`);
const PATH_ABSOLUTE_RE = new RegExp(`^/(?:${SEGMENT_NZ}(?:/${SEGMENT})*)?$`);
const PATH_ROOTLESS_RE = new RegExp(`^${SEGMENT_NZ}(?:/${SEGMENT})*$`);
const QUERY_OR_FRAGMENT_RE = new RegExp(`^(?:${PCHAR}|[/?])*$`);
const IP_FUTURE_RE = new RegExp(`^[vV][0-9A-Fa-f]+\\.[${UNRESERVED_OR_SUB_DELIM}:]+$`);

function isIpLiteral(bracketed: string): boolean {
  const inner = bracketed.slice(1, -1);
  return IP_FUTURE_RE.test(inner) || (!inner.includes('%') && isIPv6(inner));
}

function isHierPart(hier: string): boolean {
  if (hier.startsWith('//')) {
    const rest = hier.slice(2);
    const slash = rest.indexOf('/');
    const authority = slash === -1 ? rest : rest.slice(0, slash);
    const path = slash === -1 ? '' : rest.slice(slash);
    const m = AUTHORITY_RE.exec(authority);
    if (!m) return false;
    if (m[1].startsWith('[') && !isIpLiteral(m[1])) return false;
    return PATH_ABEMPTY_RE.test(path);
  }
  if (hier.startsWith('/')) return PATH_ABSOLUTE_RE.test(hier);
  return PATH_ROOTLESS_RE.test(hier);
}

/** An absolute URI: `scheme:hier-part[?query][#fragment]`. */
export function isUri(s: string): boolean {
  const m = URI_PARTS_RE.exec(s);
  if (!m || !isHierPart(m[2])) return false;
  if (m[3] !== undefined && !QUERY_OR_FRAGMENT_RE.test(m[3])) return false;
  if (m[4] !== undefined && !QUERY_OR_FRAGMENT_RE.test(m[4])) return false;
  return true;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)(?:([zZ])|([+-])(\d{2})(?::?(\d{2}))?)$/;
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeapYear = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

function isDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month]);
}

function isTime(s: string): boolean {
  const m = TIME_RE.exec(s);
  if (!m) return false;
  const [hour, minute, second] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const sign = m[5] === '-' ? -1 : 1;
  const offH = Number(m[6] ?? 0);
  const offM = Number(m[7] ?? 0);
  if (offH > 23 || offM > 59) return false;
  if (hour <= 23 && minute <= 59 && second < 60) return true;
  // A leap second (:60) exists only at 23:59 UTC.
  const utcMinute = minute - offM * sign;
  const utcHour = hour - offH * sign - (utcMinute < 0 ? 1 : 0);
  return (utcHour === 23 || utcHour === -1) && (utcMinute === 59 || utcMinute === -1) && second < 61;
}

/** An RFC 3339 date-time with a time zone. */
export function isDateTime(s: string): boolean {
  const parts = s.split(/[tT\s]/);
  return parts.length === 2 && isDate(parts[0]) && isTime(parts[1]);
}

export function wantUri(v: unknown, at: At): string {
  const s = wantString(v, at);
  if (!isUri(s)) at.fail(`invalid URI "${s}": want an absolute URI such as https://host/path`);
  return s;
}

export function wantDateTime(v: unknown, at: At): string {
  const s = wantString(v, at);
  if (!isDateTime(s)) at.fail(`invalid date-time "${s}": want RFC 3339, e.g. 2024-01-31T12:00:00Z`);
  return s;
}
