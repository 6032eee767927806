// A container's state as `docker ps` shows it: the one-word STATE (`running`,
// `exited`, ...) and the STATUS sentence (`Up 5 seconds`, `Up 2 minutes
// (Paused)`, `Up About an hour (healthy)`, `Exited (0) 3 seconds ago`), worded
// as moby words them. Pure: the clock is a parameter. For the daemon, which
// sends both in `GET /containers/json`.
import { humanDuration } from '../output/units.ts';

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface ContainerStateFacts {
  readonly running: boolean;
  readonly paused?: boolean;
  readonly restarting?: boolean;
  readonly removing?: boolean;
  readonly dead?: boolean;
  /** When it last started (ms since the epoch, or a Date); absent if it never ran. */
  readonly startedAt?: number | Date;
  /** When it last stopped; absent if it has not stopped since starting. */
  readonly finishedAt?: number | Date;
  readonly exitCode?: number;
  /** Only for a container with a health check. */
  readonly health?: HealthStatus;
}

/** `created`, `running`, `paused`, `restarting`, `removing`, `exited` or `dead`. */
export function containerStateString(s: ContainerStateFacts): string {
  if (s.running) {
    if (s.paused) return 'paused';
    if (s.restarting) return 'restarting';
    return 'running';
  }
  if (s.removing) return 'removing';
  if (s.dead) return 'dead';
  if (s.startedAt === undefined) return 'created';
  return 'exited';
}

const since = (t: number | Date, now: number | Date): string =>
  humanDuration(Math.max(0, Number(now) - Number(t)));

/** The STATUS text at time `now`. */
export function containerStatusText(s: ContainerStateFacts, now: number | Date): string {
  if (s.running) {
    const up = since(s.startedAt ?? now, now);
    if (s.paused) return `Up ${up} (Paused)`;
    if (s.restarting) return `Restarting (${s.exitCode ?? 0}) ${since(s.finishedAt ?? now, now)} ago`;
    if (s.health) return `Up ${up} (${s.health === 'starting' ? 'health: starting' : s.health})`;
    return `Up ${up}`;
  }
  if (s.removing) return 'Removal In Progress';
  if (s.dead) return 'Dead';
  if (s.startedAt === undefined) return 'Created';
  if (s.finishedAt === undefined) return '';
  return `Exited (${s.exitCode ?? 0}) ${since(s.finishedAt, now)} ago`;
}
