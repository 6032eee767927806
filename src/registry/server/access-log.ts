// One line per request, in the manner of the Common Log Format with the duration added:
//   <remote> - <user> [<day/Mon/year:hh:mm:ss +0000>] "<METHOD> <path> HTTP/<v>" <status> <bytes> <ms>ms
import type { IncomingMessage, ServerResponse } from 'node:http';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

export function clfDate(d: Date): string {
  return (
    `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`
  );
}

export interface AccessLogEntry {
  req: IncomingMessage;
  res: ServerResponse;
  started: number;
  user?: string;
}

export function accessLine({ req, res, started, user }: AccessLogEntry, now = performance.now()): string {
  const remote = req.socket?.remoteAddress ?? '-';
  const bytes = req.method === 'HEAD' ? 0 : Number(res.getHeader('content-length') ?? 0);
  const ms = (now - started).toFixed(1);
  const status = res.writableFinished || res.headersSent ? res.statusCode : 0;
  return `${remote} - ${user ?? '-'} [${clfDate(new Date())}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${bytes} ${ms}ms`;
}
