// The daemon's log: one line per event on stderr, in the key=value shape dockerd
// (logrus) prints, so the same grep works on both.
import { invalidArgument } from '../util/errors.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function parseLogLevel(s: string): LogLevel {
  const level = s.toLowerCase() === 'warning' ? 'warn' : s.toLowerCase();
  if (level in RANK) return level as LogLevel;
  throw invalidArgument(`invalid log level "${s}": use one of debug, info, warn, error`);
}

const quote = (v: string): string => (/^[\w./:@+-]+$/.test(v) ? v : JSON.stringify(v));

export function formatLogLine(
  level: LogLevel,
  msg: string,
  fields: LogFields = {},
  now = new Date(),
): string {
  let line = `time="${now.toISOString()}" level=${level} msg=${JSON.stringify(msg)}`;
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${quote(String(v))}`;
  return `${line}\n`;
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const at =
    (l: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (RANK[l] >= RANK[level]) write(formatLogLine(l, msg, fields));
    };
  return { level, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger that drops everything, for tests and embedding. */
export const silentLogger: Logger = createLogger('error', () => {});
