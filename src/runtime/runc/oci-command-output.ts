// What a runc-compatible command prints, read back: its error messages (logrus lines on
// stderr or in its --log file, JSON with --log-format json, else `level=error msg="…"`,
// else plain text) turned into BerthErrors with the codes berth's own runtime uses, and
// its `state`, `list` and `ps` documents.
import { BerthError, type ErrorCode } from '../../util/errors.ts';
import { LaunchError } from '../launch/launch-error.ts';
import type { RuntimeState } from './runtime.ts';

/** The last error (else the last line) a runtime command wrote, without logrus's decoration. */
export function runtimeErrorMessage(text: string): string | undefined {
  let lastError: string | undefined;
  let lastLine: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const { level, msg } = logLine(line);
    if (!msg) continue;
    lastLine = msg;
    if (level === 'error' || level === 'fatal' || level === 'panic') lastError = msg;
  }
  return lastError ?? lastLine;
}

function logLine(line: string): { level?: string; msg?: string } {
  if (line.startsWith('{')) {
    try {
      const v = JSON.parse(line) as { level?: unknown; msg?: unknown };
      if (typeof v.msg === 'string') return { level: String(v.level ?? ''), msg: v.msg };
    } catch {}
  }
  const logfmt = /(?:^|\s)level=(\w+)\s.*?msg="((?:[^"\\]|\\.)*)"/.exec(line);
  if (logfmt) {
    let msg = logfmt[2]!;
    try {
      msg = JSON.parse(`"${msg}"`) as string;
    } catch {}
    return { level: logfmt[1], msg };
  }
  return { msg: line };
}

/** The code of a failed verb, from the runtime's words (runc's), as berth's runtime would have said it. */
export function codeOfRuntimeMessage(msg: string): ErrorCode {
  if (/does not exist|not found/i.test(msg)) return 'NotFound';
  if (/already exists|with id exists/i.test(msg)) return 'Conflict';
  if (/not running|not paused|not stopped|is paused|is stopped|cannot|already/i.test(msg))
    return 'FailedPrecondition';
  return 'Internal';
}

/**
 * A failure to start a process (`run`, `exec`) as the launcher reports one of berth-native's:
 * step `exec` with ENOENT or EACCES when the program could not be executed, so callers map it to
 * 127 or 126 as they do for berth's own runtime.
 */
export function startErrorOf(runtime: string, msg: string): BerthError {
  const message = `OCI runtime ${runtime} failed: ${msg}`;
  if (/exec: .*(executable file not found|no such file or directory)/.test(msg))
    return new LaunchError('NotFound', 'exec', 'ENOENT', message);
  if (/exec: .*permission denied/.test(msg))
    return new LaunchError('PermissionDenied', 'exec', 'EACCES', message);
  return new BerthError(codeOfRuntimeMessage(msg), message);
}

function fail(what: string, text: string): never {
  throw new BerthError(
    'Internal',
    `the OCI runtime's ${what} is not what runc prints: ${text.slice(0, 200)}`,
  );
}

function stateOf(v: unknown, text: string): RuntimeState {
  const s = v as Partial<RuntimeState> | null;
  if (!s || typeof s !== 'object' || typeof s.id !== 'string' || typeof s.status !== 'string')
    fail('state', text);
  return {
    ociVersion: String(s.ociVersion ?? ''),
    id: s.id,
    status: s.status,
    pid: typeof s.pid === 'number' ? s.pid : 0,
    bundle: String(s.bundle ?? ''),
    rootfs: String(s.rootfs ?? ''),
    created: String(s.created ?? ''),
    owner: String(s.owner ?? ''),
    ...(s.annotations && typeof s.annotations === 'object' ? { annotations: s.annotations } : {}),
  };
}

/** `<runtime> state ID`. */
export function parseStateOutput(text: string): RuntimeState {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    fail('state', text);
  }
  return stateOf(v, text);
}

/** `<runtime> list --format json` (runc prints `null` for none). */
export function parseListOutput(text: string): RuntimeState[] {
  let v: unknown;
  try {
    v = JSON.parse(text.trim() || 'null');
  } catch {
    fail('list', text);
  }
  if (v === null) return [];
  if (!Array.isArray(v)) fail('list', text);
  return v.map((s) => stateOf(s, text));
}

/** `<runtime> ps --format json ID`: the host pids of the container's processes. */
export function parsePsOutput(text: string): number[] {
  let v: unknown;
  try {
    v = JSON.parse(text.trim() || 'null');
  } catch {
    fail('ps', text);
  }
  if (v === null) return [];
  if (!Array.isArray(v) || !v.every((p) => Number.isInteger(p))) fail('ps', text);
  return v as number[];
}
