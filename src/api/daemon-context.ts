// What the daemon's parts share: its configuration, log, the stats /info reads,
// and the services (stores) it opens at start and closes at shutdown. Route
// modules receive the context; a store added to the daemon is added here as a
// field and created in daemon.ts.
import type { StorageDriver } from '../snapshot/snapshotter.ts';
import type { ContainerEngine } from './container-service.ts';
import type { ImageService } from './image-service.ts';
import type { Logger, LogLevel } from './logger.ts';
import type { Router } from './router.ts';
import type { SystemStats } from './system-stats.ts';

export interface DaemonConfig {
  /** Persistent state: stores, databases, the log when auto-started. */
  readonly root: string;
  /** Runtime state, gone at reboot: the socket. */
  readonly state: string;
  readonly socketPath: string;
  readonly logLevel: LogLevel;
  /** How long shutdown waits for requests in flight before cutting them. */
  readonly shutdownTimeoutMs: number;
  /**
   * The storage driver asked for (`--storage-driver`); by default the root's
   * recorded one, or for a new root overlay where it works and vfs elsewhere.
   */
  readonly storageDriver?: StorageDriver;
  /** The default bridge network (`--bridge`, `--bip`); null with `--bridge none`. */
  readonly defaultBridge?: { name: string; address?: string } | null;
  /** OCI runtime commands by name (`runc` when on PATH, `--add-runtime NAME=PATH`), beside berth's own. */
  readonly runtimes?: Readonly<Record<string, string>>;
  /** The runtime of containers created without `--runtime` (`--default-runtime`); default berth. */
  readonly defaultRuntime?: string;
}

/** Something the daemon opens at start and closes at shutdown, in reverse order. */
export interface Service {
  readonly name: string;
  open(): Promise<void>;
  close(): Promise<void>;
}

export interface DaemonContext {
  readonly config: DaemonConfig;
  readonly log: Logger;
  readonly stats: SystemStats;
  /** A stable identity of this root, Docker's `ID` in /info. */
  readonly engineId: string;
  readonly startedAt: Date;
  /** The image store, open while the daemon serves. */
  readonly images: ImageService;
  /** Containers and volumes, open while the daemon serves. */
  readonly containers: ContainerEngine;
}

/** A file under src/api/routes/ exports one of these and is listed in routes/index.ts. */
export type RouteModule = (router: Router, daemon: DaemonContext) => void;

/**
 * A service opened on first use rather than at start, so a store whose opening is
 * costly (a database, a native module) costs nothing until a request needs it.
 */
export interface LazyService<T> extends Service {
  get(): Promise<T>;
}

export function lazyService<T>(
  name: string,
  open: () => Promise<T>,
  close: (value: T) => Promise<void> | void,
): LazyService<T> {
  let opening: Promise<T> | undefined;
  return {
    name,
    async open() {},
    get() {
      if (!opening) {
        opening = open();
        opening.catch(() => {
          opening = undefined;
        });
      }
      return opening;
    },
    async close() {
      if (!opening) return;
      const value = await opening.catch(() => undefined);
      opening = undefined;
      if (value !== undefined) await close(value);
    },
  };
}
