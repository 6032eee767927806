// The daemon's container engine: opened at start after the image store, on the
// same metadata database; it finds the containers that kept running while no
// daemon was there, and tells the image store which images and snapshots its
// containers use (so rmi and garbage collection leave them alone).
import { join } from 'node:path';
import { ContainerService } from '../engine/container-service.ts';
import { ContainerStore } from '../engine/container-store.ts';
import { VolumeStore } from '../engine/volume-store.ts';
import { nativeBinaryPath } from '../runtime/launch/native-binary.ts';
import { BerthRuntime } from '../runtime/runc/berth-runtime.ts';
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
      const runtime = new BerthRuntime({ root: join(config.state, 'runtime'), warn });
      service = new ContainerService({
        root: config.root,
        containers,
        volumes,
        images: images.store,
        runtime,
        nativeBinary: nativeBinaryPath(),
        seccompDefault: defaultSeccompProfile(),
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
    },
  };
}
