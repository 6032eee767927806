// `--security-opt`, `--cap-add/--cap-drop` and `--sysctl` as Docker's CLI reads
// them. A seccomp profile named by path is read here and sent inline (compacted
// JSON), as the CLI does, because the daemon may not see the client's files.

import { goQuote } from './go-values.ts';
import { describeReadError } from './key-value-file.ts';

export type ReadFile = (path: string) => string;

export interface SecurityOptions {
  readonly securityOpt: string[];
  /** `systempaths=unconfined` empties both lists (and is not sent as an option). */
  readonly unmaskPaths: boolean;
}

/** JSON with the whitespace between tokens removed, as Go's json.Compact. */
export function compactJson(text: string): string {
  JSON.parse(text);
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (!' \t\r\n'.includes(c)) {
      out += c;
    }
  }
  return out;
}

export function parseSecurityOpts(values: readonly string[], readFile: ReadFile): SecurityOptions {
  const securityOpt: string[] = [];
  let unmaskPaths = false;
  for (const opt of values) {
    let sep = opt.indexOf('=');
    let key = sep < 0 ? opt : opt.slice(0, sep);
    if (sep < 0 && key !== 'no-new-privileges') {
      sep = opt.indexOf(':');
      key = sep < 0 ? opt : opt.slice(0, sep);
    }
    const value = sep < 0 ? '' : opt.slice(sep + 1);
    if ((sep < 0 || value === '') && key !== 'no-new-privileges') {
      throw new Error(`Invalid --security-opt: ${goQuote(opt)}`);
    }
    if (opt === 'systempaths=unconfined') {
      unmaskPaths = true;
      continue;
    }
    if (key === 'seccomp' && value !== 'unconfined' && value !== 'builtin') {
      let text: string;
      try {
        text = readFile(value);
      } catch (err) {
        throw new Error(`opening seccomp profile (${value}) failed: ${describeReadError(value, err)}`);
      }
      try {
        securityOpt.push(`seccomp=${compactJson(text)}`);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new Error(`compacting json for seccomp profile (${value}) failed: ${reason}`);
      }
      continue;
    }
    securityOpt.push(opt);
  }
  return { securityOpt, unmaskPaths };
}

/** `net_admin` → `CAP_NET_ADMIN`; `all` (any case) → `ALL`. No trimming, as Docker's client. */
export function normalizeCapability(cap: string): string {
  if (cap.toUpperCase() === 'ALL') return 'ALL';
  const c = cap.toUpperCase();
  return c.startsWith('CAP_') ? c : `CAP_${c}`;
}

/** `--cap-add` or `--cap-drop` values as Docker's client sends them: normalized, deduplicated, sorted. */
export function normalizeCapabilities(caps: readonly string[]): string[] {
  return [...new Set(caps.map(normalizeCapability))].sort();
}

const NAMESPACED_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

/** `--sysctl key=value`: only the namespaced sysctls Docker's CLI allows. */
export function parseSysctl(value: string): [string, string] {
  const eq = value.indexOf('=');
  const key = eq < 0 ? '' : value.slice(0, eq);
  const allowed = NAMESPACED_SYSCTLS.has(key) || key.startsWith('net.') || key.startsWith('fs.mqueue.');
  if (eq < 0 || key === '' || !allowed) throw new Error(`sysctl '${value}' is not allowed`);
  return [key, value.slice(eq + 1)];
}
