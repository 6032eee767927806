// The daemon's container engine: opened at start after the image store, on the
// same metadata database; it finds the containers that kept running while no
// daemon was there, and tells the image store which images and snapshots its
// containers use (so rmi and garbage collection leave them alone).
import { join } from 'node:path';
import { ContainerService } from '../engine/container-service.ts';
import { ContainerStore } from '../engine/container-store.ts';
import { VolumeStore } from '../engine/volume-store.ts';
import { DEFAULT_BRIDGE_NAME, NetworkManager } from '../network/index.ts';
import { nativeBinaryPath } from '../runtime/launch/native-binary.ts';
import { BerthRuntime, OciCommandRuntime, RuntimeSet } from '../runtime/runc/index.ts';
import { defaultSeccompProfile } from '../runtime/seccomp/default-profile.ts';
import { BerthError } from '../util/errors.ts';
import type { DaemonConfig, Service } from './daemon-context.ts';
import type { ImageService } from './image-service.ts';
import type { Logger } from './logger.ts';

export interface ContainerEngine extends Service {
  get(): Promise<ContainerService>;
  /** Open, or throws Unavailable. */
  readonly service: ContainerService;
  readonly volumes: VolumeStore;
}

export function containerEngine(config: DaemonConfig, log: Logger, images: ImageService): ContainerEngine {
  let service: ContainerService | undefined;
  let volumes: VolumeStore | undefined;
  let networks: NetworkManager | undefined;
  const open = (): ContainerService => {
    if (!service) throw new BerthError('Unavailable', 'the container engine is not open');
    return service;
  };
  return {
    name: 'containers',
    get service() {
      return open();
    },
    get volumes() {
      open();
      return volumes!;
    },
    async get() {
      return open();
    },
    async open() {
      const db = images.db;
      const containers = new ContainerStore(db);
      volumes = new VolumeStore(db, config.root, (name) => service?.volumeUsers(name) ?? []);
      const warn = (message: string, fields?: Record<string, string | number | boolean | undefined>) =>
        log.warn(message, fields);
      const runtime = new RuntimeSet({
        berth: new BerthRuntime({ root: join(config.state, 'runtime'), warn }),
        commands: Object.entries(config.runtimes ?? {}).map(
          ([name, path]) =>
            new OciCommandRuntime({
              name,
              path,
              root: join(config.state, 'runtimes', name),
              files: join(config.state, 'runtime-files', name),
            }),
        ),
        defaultRuntime: config.defaultRuntime,
        runtimeOf: (id) => containers.get(id)?.request.HostConfig?.Runtime,
      });
      networks = new NetworkManager({
        db,
        root: config.root,
        state: config.state,
        defaultBridge:
          config.defaultBridge === undefined ? { name: DEFAULT_BRIDGE_NAME } : config.defaultBridge,
        warn: (message) => log.warn(message),
      });
      await networks.open();
      service = new ContainerService({
        root: config.root,
        containers,
        volumes,
        images: images.store,
        runtime,
        nativeBinary: nativeBinaryPath(),
        seccompDefault: defaultSeccompProfile(),
        networks,
        warn,
      });
      const s = service;
      images.store.users = {
        containersUsing: (imageId) => s.containersUsing(imageId),
        snapshotsInUse: () => s.snapshotsInUse(),
      };
      await s.restore();
    },
    async close() {
      service?.close();
      service = undefined;
      await networks?.close();
      networks = undefined;
    },
  };
}
