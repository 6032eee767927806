// What berth keeps about a container: Docker's create request as given, the
// image it was made from, and its state, which the engine changes as the
// container runs. Times are RFC3339Nano strings, as `inspect` prints them.
import type { PortMapping } from '../network/index.ts';
import type { ContainerConfig, ContainerCreateRequest } from './container-config.ts';

export type ContainerStatus =
  | 'created'
  | 'running'
  | 'paused'
  | 'restarting'
  | 'removing'
  | 'exited'
  | 'dead';

/** Docker's zero time, for a container that never started or never finished. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One run of a health check, as Docker logs it (times RFC3339Nano; -1: it could not run or timed out). */
export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** Docker's State.Health: kept by the health monitor (health.ts) while the container runs. */
export interface ContainerHealth {
  Status: HealthStatus;
  FailingStreak: number;
  /** The last five checks, oldest first. */
  Log: HealthLogEntry[];
}

export interface ContainerState {
  Status: ContainerStatus;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  OOMKilled: boolean;
  /** Only for a container with a health check. */
  health?: ContainerHealth;
}

export interface ContainerRecord {
  /** 64 hex digits. */
  id: string;
  /** Without Docker's leading slash. */
  name: string;
  /** The image's ID (`sha256:…`) and the reference it was asked for by. */
  imageId: string;
  imageRef: string;
  /** RFC3339Nano. */
  created: string;
  request: ContainerCreateRequest;
  /** The request's Config laid over the image's (merged-config.ts): what `inspect` shows. */
  config: ContainerConfig;
  /** The process as it runs: entrypoint + command, after the image's defaults were applied. */
  path: string;
  args: string[];
  state: ContainerState;
  restartCount: number;
  /** The key of the container's writable snapshot. */
  snapshotKey: string;
  /** Set once the user stopped it: `unless-stopped` then stays down across daemon restarts. */
  manuallyStopped: boolean;
  /** Mounts as `inspect` shows them (Type, Name, Source, Destination, Driver, Mode, RW, Propagation). */
  mounts: Record<string, unknown>[];
  /**
   * The networks it is connected to, by name, the primary (its NetworkMode's) first: Docker's
   * NetworkSettings.Networks. Kept while it is stopped; the addresses only while it runs.
   */
  networks?: Record<string, ContainerEndpoint>;
  /** Published ports as bound, while it runs. */
  ports?: PortMapping[];
}

/** Docker's EndpointSettings. */
export interface ContainerEndpoint {
  IPAMConfig: { IPv4Address?: string } | null;
  Links: null;
  Aliases: string[] | null;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  MacAddress: string;
  DriverOpts: null;
}

export const initialState = (): ContainerState => ({
  Status: 'created',
  Pid: 0,
  ExitCode: 0,
  Error: '',
  StartedAt: ZERO_TIME,
  FinishedAt: ZERO_TIME,
  OOMKilled: false,
});
