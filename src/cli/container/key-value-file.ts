// `--env-file` and `--label-file`: one KEY=value per line, as Docker reads them.
// Leading whitespace is dropped, `#` lines and blank lines are skipped, the value
// is taken verbatim (no quotes are processed), and a line holding only a KEY
// takes its value from the caller's environment (env files) or stays bare.
import { invalid } from './go-values.ts';

export type Lookup = (key: string) => string | undefined;

export interface KeyValueEntry {
  readonly key: string;
  /** Undefined for a bare KEY that `lookup` did not find (or when there is no lookup). */
  readonly value: string | undefined;
}

/** The entries of one file's text, in order; `file` names it in errors. */
export function parseKeyValueText(text: string, file: string, lookup?: Lookup): KeyValueEntry[] {
  const badKey = (msg: string) => invalid(`invalid env file (${file}): ${msg}`);
  const out: KeyValueEntry[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, i) => {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (i === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    // Go's unicode.IsSpace: no byte-order mark, unlike \s.
    line = line.replace(/^[\t\n\v\f\r \u0085\u00a0\p{Zs}\u2028\u2029]+/u, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = (eq < 0 ? line : line.slice(0, eq)).replace(/^[ \t]+/, '');
    if (/[ \t]/.test(key)) throw badKey(`variable '${key}' contains whitespaces`);
    if (key === '') throw badKey(`no variable name on line '${line}'`);
    if (eq >= 0) out.push({ key, value: line.slice(eq + 1) });
    else out.push({ key: line.trim(), value: lookup?.(line.trim()) });
  });
  return out;
}

/** Go's wording for a file that could not be read ("open /x: no such file or directory"). */
export function describeReadError(path: string, err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const reason =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : err instanceof Error
            ? err.message
            : String(err);
  return code === 'EISDIR' ? `read ${path}: ${reason}` : `open ${path}: ${reason}`;
}
