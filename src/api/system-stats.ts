// The counts and storage facts /info reports, filled in by the stores that own
// them: the image store provides the image count, the engine the containers,
// the snapshotter the storage driver. Until one does, its numbers are zero.

export interface ContainerCounts {
  readonly total: number;
  readonly running: number;
  readonly paused: number;
  readonly stopped: number;
}

export interface StorageDriverFacts {
  readonly name: string;
  /** Docker's `DriverStatus`: label and value pairs. */
  readonly status: ReadonlyArray<readonly [string, string]>;
}

type Source<T> = () => T | Promise<T>;

const NO_CONTAINERS: ContainerCounts = { total: 0, running: 0, paused: 0, stopped: 0 };

/** Docker's counts of container states: running and paused apart, every other state (restarting too) stopped. */
export function countContainers(statuses: Iterable<string>): ContainerCounts {
  let total = 0;
  let running = 0;
  let paused = 0;
  for (const s of statuses) {
    total++;
    if (s === 'running') running++;
    else if (s === 'paused') paused++;
  }
  return { total, running, paused, stopped: total - running - paused };
}

export class SystemStats {
  #images: Source<number> = () => 0;
  #containers: Source<ContainerCounts> = () => NO_CONTAINERS;
  #driver: Source<StorageDriverFacts> = () => ({ name: 'overlayfs', status: [] });

  provideImages(source: Source<number>): void {
    this.#images = source;
  }
  provideContainers(source: Source<ContainerCounts>): void {
    this.#containers = source;
  }
  provideStorageDriver(source: Source<StorageDriverFacts>): void {
    this.#driver = source;
  }

  async images(): Promise<number> {
    return this.#images();
  }
  async containers(): Promise<ContainerCounts> {
    return this.#containers();
  }
  async storageDriver(): Promise<StorageDriverFacts> {
    return this.#driver();
  }
}
