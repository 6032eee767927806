// SIGTERM and SIGINT for a command that serves until stopped (the daemon, the
// registry). They are caught from the start, so one that arrives while the server
// is still starting stops it as soon as it is up; a second one means: exit now.
import { EXIT_BERTH_FAILED } from '../util/errors.ts';

export interface StopSignals {
  /** The first signal received. */
  readonly signalled: Promise<NodeJS.Signals>;
  /** Stop catching the signals. */
  dispose(): void;
}

/** Catch the stop signals; `onSecond` says why the process exits at a second one. */
export function catchStopSignals(onSecond: (signal: NodeJS.Signals) => void): StopSignals {
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    let received = false;
    onSignal = (signal) => {
      if (received) {
        onSecond(signal);
        process.exit(EXIT_BERTH_FAILED);
      }
      received = true;
      resolve(signal);
    };
  });
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    signalled,
    dispose() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}
