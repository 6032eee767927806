// What every berth-runc verb gets: the runtime and the logger.
import type { BerthRuntime } from './berth-runtime.ts';
import type { Logger } from './log.ts';

export interface Cli {
  runtime: BerthRuntime;
  log: Logger;
}
