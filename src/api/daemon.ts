// The daemon's composition root: take the root lock, create the stores for the
// root, open them, register the routes and serve the API on the socket; and the
// reverse at shutdown. A new store is created in composeDaemon and, when routes
// need it, added to DaemonContext.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { BerthError, fromErrno } from '../util/errors.ts';
import { BERTH_VERSION } from './build-info.ts';
import { buildScratchService } from './build-scratch.ts';
import { containerEngine } from './container-service.ts';
import type { DaemonConfig, DaemonContext, RouteModule, Service } from './daemon-context.ts';
import { imageService } from './image-service.ts';
import type { Logger } from './logger.ts';
import { RootLock } from './root-lock.ts';
import { Router } from './router.ts';
import { ROUTE_MODULES } from './routes/index.ts';
import { ApiServer } from './server.ts';
import { SystemStats } from './system-stats.ts';

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

interface Composition {
  readonly context: DaemonContext;
  readonly services: readonly Service[];
  readonly routes: readonly RouteModule[];
}

/**
 * Create (not yet open) everything the daemon runs for one root. To add a store:
 * create it here from `config.root` (wrap it in `lazyService` when opening it is
 * costly, and import heavy modules inside its open function, not at the top of a
 * file), push it on `services` so it is opened and closed with the daemon, give
 * /info its numbers through `stats.provideImages(...)` and friends, and add it to
 * DaemonContext so route modules reach it.
 */
function composeDaemon(config: DaemonConfig, log: Logger, engineId: string): Composition {
  const stats = new SystemStats();
  const images = imageService(config, log);
  const containers = containerEngine(config, log, images);
  const services: Service[] = [images, containers, buildScratchService(config, log)];
  stats.provideImages(() => images.store.count());
  stats.provideStorageDriver(() => images.driverFacts());
  const context: DaemonContext = { config, log, stats, engineId, startedAt: new Date(), images, containers };
  return { context, services, routes: ROUTE_MODULES };
}

/** A stable identity for the root, kept in `<root>/engine-id`. */
async function engineIdOf(root: string): Promise<string> {
  const path = join(root, 'engine-id');
  try {
    const id = (await readFile(path, 'utf8')).trim();
    if (id) return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fromErrno(err, `reading ${path}`);
  }
  const id = randomUUID();
  await writeFile(path, `${id}\n`);
  return id;
}

/** Whether something answers on a unix socket path (a live server, not a stale file). */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = connect(path);
    conn.once('connect', () => {
      conn.destroy();
      resolve(true);
    });
    conn.once('error', () => resolve(false));
  });
}

/** Remove a socket file that a dead daemon left; refuse to take one a live server holds. */
async function clearStaleSocket(path: string, log: Logger): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return;
  if (!st.isSocket()) {
    throw new BerthError('Conflict', `${path} exists and is not a socket; remove it or choose another -H`);
  }
  if (await socketAnswers(path)) {
    throw new BerthError(
      'Conflict',
      `another server is already listening on ${path}; stop it first or pass another --state or -H`,
    );
  }
  log.info('removing stale socket left by a previous daemon', { socket: path });
  await rm(path, { force: true });
}

export class Daemon {
  readonly config: DaemonConfig;
  readonly context: DaemonContext;
  readonly #log: Logger;
  readonly #lock: RootLock;
  readonly #services: readonly Service[];
  readonly #server: ApiServer;
  #stopping: Promise<void> | undefined;

  private constructor(comp: Composition, lock: RootLock, server: ApiServer) {
    this.config = comp.context.config;
    this.context = comp.context;
    this.#log = comp.context.log;
    this.#lock = lock;
    this.#services = comp.services;
    this.#server = server;
  }

  /** Start serving: returns once the socket accepts connections. */
  static async start(config: DaemonConfig, log: Logger): Promise<Daemon> {
    await mkdir(config.root, { recursive: true, mode: 0o711 }).catch((err) => {
      throw fromErrno(err, `creating berth root ${config.root}`);
    });
    const lock = await RootLock.acquire(config.root);
    const opened: Service[] = [];
    try {
      await mkdir(config.state, { recursive: true, mode: 0o700 });
      await mkdir(dirname(config.socketPath), { recursive: true, mode: 0o700 });
      const comp = composeDaemon(config, log, await engineIdOf(config.root));
      for (const service of comp.services) {
        log.debug('opening service', { service: service.name });
        await service.open();
        opened.push(service);
      }
      const router = new Router();
      for (const register of comp.routes) register(router, comp.context);
      const server = new ApiServer({ router, log, serverHeader: `Berth/${BERTH_VERSION} (linux)` });
      await clearStaleSocket(config.socketPath, log);
      await server.listen(config.socketPath).catch((err) => {
        throw fromErrno(err, `listening on ${config.socketPath}`);
      });
      log.info('API listening', { socket: config.socketPath, root: config.root, version: BERTH_VERSION });
      return new Daemon({ ...comp, services: opened }, lock, server);
    } catch (err) {
      await closeAll(opened, log);
      await lock.release();
      throw err;
    }
  }

  /** Stop accepting, finish requests in flight, close the stores, remove the socket and pid file. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#log.info('shutting down');
      await this.#server.close(this.config.shutdownTimeoutMs);
      await closeAll(this.#services, this.#log);
      await rm(this.config.socketPath, { force: true });
      await this.#lock.release();
      this.#log.info('daemon stopped');
    })();
    return this.#stopping;
  }
}

async function closeAll(services: readonly Service[], log: Logger): Promise<void> {
  for (const service of [...services].reverse()) {
    try {
      await service.close();
    } catch (err) {
      log.error('closing service failed', { service: service.name, error: String(err) });
    }
  }
}
