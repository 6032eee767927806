// runc's --log and --log-format: messages go to a file (appended) as text or as one JSON
// object per line ({"level","msg","time"}), which containerd and podman read back to
// report why a command failed. Errors also go to stderr, as runc prints them.
import { appendFileSync } from 'node:fs';

export type Level = 'debug' | 'info' | 'warning' | 'error';

export class Logger {
  constructor(
    private readonly file: string | undefined,
    private readonly format: 'text' | 'json',
    private readonly debugOn: boolean,
  ) {}

  log(level: Level, msg: string): void {
    if (level === 'debug' && !this.debugOn) return;
    const time = new Date().toISOString();
    const line =
      this.format === 'json'
        ? `${JSON.stringify({ level, msg, time })}\n`
        : `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
    if (this.file) {
      try {
        appendFileSync(this.file, line);
      } catch {
        // a log that cannot be written must not hide the error itself
      }
    } else if (level !== 'error') {
      process.stderr.write(line);
    }
  }

  debug(msg: string): void {
    this.log('debug', msg);
  }
  warn(msg: string): void {
    this.log('warning', msg);
  }
  error(msg: string): void {
    this.log('error', msg);
  }
}
