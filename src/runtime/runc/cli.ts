// What every berth-runc verb gets: the runtime, the logger, and the global flags as
// given (the create holder is started with the same ones).
import type { BerthRuntime } from './berth-runtime.ts';
import type { Logger } from './log.ts';

export interface Cli {
  runtime: BerthRuntime;
  log: Logger;
  globalArgs: string[];
}
