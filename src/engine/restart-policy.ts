// Docker's restart policies: whether an exited container starts again, and after
// how long (a delay that doubles from 100 ms per restart, capped at a minute, so a
// container that fails at once does not spin).
import type { RestartPolicy } from './container-config.ts';

export function shouldRestart(
  policy: RestartPolicy | undefined,
  exitCode: number,
  restarts: number,
): boolean {
  switch (policy?.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return exitCode !== 0 && (!policy.MaximumRetryCount || restarts < policy.MaximumRetryCount);
    default:
      return false;
  }
}

export const restartDelayMs = (restarts: number): number =>
  Math.min(100 * 2 ** Math.max(0, restarts - 1), 60_000);
