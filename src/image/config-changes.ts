// `--change` instructions of `import` (and later `commit`): Dockerfile lines
// that only change the image config. Docker accepts CMD, ENTRYPOINT, ENV,
// EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR and STOPSIGNAL here. The full
// Dockerfile parser belongs to the builder, a layer above; these lines need
// only the JSON-or-shell form and key=value pairs, parsed here.
import type { ContainerConfig } from '../oci/descriptor.ts';
import { BerthError } from '../util/errors.ts';

const bad = (line: string, why: string) => new BerthError('InvalidArgument', `--change "${line}": ${why}`);

/** Apply each change line, in order, to a copy of `config`. */
export function applyChanges(config: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const out: ContainerConfig = structuredClone(config);
  for (const line of changes) applyChange(out, line);
  return out;
}

function applyChange(c: ContainerConfig, line: string): void {
  const m = /^\s*([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(line);
  if (!m) throw bad(line, 'expected an instruction such as CMD ["sh"]');
  const instruction = m[1].toUpperCase();
  const rest = (m[2] ?? '').trim();
  if (!rest) throw bad(line, `${instruction} needs an argument`);
  switch (instruction) {
    case 'CMD':
      c.Cmd = commandForm(rest, line);
      return;
    case 'ENTRYPOINT':
      c.Entrypoint = commandForm(rest, line);
      return;
    case 'ENV':
      for (const [k, v] of keyValues(rest, line, true)) {
        c.Env = [...(c.Env ?? []).filter((e) => e.split('=')[0] !== k), `${k}=${v}`];
      }
      return;
    case 'LABEL':
      c.Labels ??= {};
      for (const [k, v] of keyValues(rest, line, false)) c.Labels[k] = v;
      return;
    case 'EXPOSE':
      c.ExposedPorts ??= {};
      for (const word of words(rest, line)) {
        for (const port of exposedPorts(word, line)) c.ExposedPorts[port] = {};
      }
      return;
    case 'VOLUME':
      c.Volumes ??= {};
      for (const v of rest.startsWith('[') ? jsonArray(rest, line) : words(rest, line)) c.Volumes[v] = {};
      return;
    case 'USER':
      c.User = rest;
      return;
    case 'WORKDIR':
      c.WorkingDir = rest.startsWith('/') ? rest : `${(c.WorkingDir ?? '/').replace(/\/$/, '')}/${rest}`;
      return;
    case 'STOPSIGNAL':
      c.StopSignal = rest;
      return;
    case 'ONBUILD':
      c.OnBuild = [...(c.OnBuild ?? []), rest];
      return;
    default:
      throw bad(
        line,
        `${instruction} is not a valid change command (use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR)`,
      );
  }
}

/** Exec form `["a","b"]` as is; shell form wrapped in `/bin/sh -c`, as Docker does. */
function commandForm(rest: string, line: string): string[] {
  if (rest.startsWith('[')) {
    try {
      return jsonArray(rest, line);
    } catch {
      // Not valid JSON: Docker treats it as shell form.
    }
  }
  return ['/bin/sh', '-c', rest];
}

function jsonArray(rest: string, line: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rest);
  } catch {
    throw bad(line, 'not a valid JSON array of strings');
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
    throw bad(line, 'not a valid JSON array of strings');
  }
  return parsed;
}

/** Words split on blanks, with double or single quotes and backslash escapes. */
function words(s: string, line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw bad(line, `unterminated ${quote} quote`);
  if (inWord) out.push(cur);
  return out;
}

/** `k=v k2="v 2"`, or for ENV the legacy single pair `KEY value with spaces`. */
function keyValues(rest: string, line: string, legacyPair: boolean): [string, string][] {
  const first = /^([^\s=]+)(\s+|=)/.exec(rest);
  if (legacyPair && first && first[2] !== '=') {
    return [[first[1], rest.slice(first[0].length).trim()]];
  }
  return words(rest, line).map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw bad(line, `"${w}" is not of the form key=value`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** `80`, `53/udp`, or a range `8000-8002/tcp`, which Docker expands into each port. */
function exposedPorts(word: string, line: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(word);
  const from = Number(m?.[1]);
  const to = Number(m?.[2] ?? m?.[1]);
  if (!m || from < 1 || to > 65535 || to < from)
    throw bad(line, `invalid port "${word}": want PORT[-PORT][/tcp|udp|sctp]`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  return Array.from({ length: to - from + 1 }, (_, i) => `${from + i}/${proto}`);
}
