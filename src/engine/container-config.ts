// The Docker Engine API's container configuration (`POST /containers/create`:
// Config + HostConfig + NetworkingConfig), as berth accepts it. Field names and
// shapes are Docker's, so the docker CLI's requests and berth's own are the same;
// only the fields berth acts on are listed (others are accepted and kept as-is).

import type { HealthConfig } from '../oci/descriptor.ts';

export type { HealthConfig };

export type PortSet = Record<string, Record<string, never>>;

/** `Config`: what the image's config also has, plus the container's own settings. */
export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  /** "uid", "uid:gid", "name", "name:group". */
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: PortSet;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  /** "NAME=value" entries, merged over the image's. */
  Env?: string[];
  Cmd?: string[];
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  /** `[""]` (from `--entrypoint ""`) clears the image's entrypoint. */
  Entrypoint?: string[];
  NetworkDisabled?: boolean;
  Labels?: Record<string, string>;
  StopSignal?: string;
  /** Seconds. */
  StopTimeout?: number;
  Shell?: string[];
}

export interface RestartPolicy {
  Name?: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  MaximumRetryCount?: number;
}

export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

/** `HostConfig.Mounts[]` (`--mount`). */
export interface MountSpec {
  Type: 'bind' | 'volume' | 'tmpfs';
  /** Host path (bind) or volume name (volume; empty: an anonymous volume). */
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: string[][] };
}

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

export interface HostConfig {
  /** `-v` entries: "name:/path[:opts]" or "/host:/path[:opts]". */
  Binds?: string[];
  ContainerIDFile?: string;
  LogConfig?: { Type?: string; Config?: Record<string, string> };
  /** "default", "bridge", "host", "none", "container:<id>", or a network name. */
  NetworkMode?: string;
  PortBindings?: Record<string, PortBinding[] | null>;
  RestartPolicy?: RestartPolicy;
  AutoRemove?: boolean;
  VolumeDriver?: string;
  VolumesFrom?: string[];
  Mounts?: MountSpec[];
  CapAdd?: string[];
  CapDrop?: string[];
  CgroupnsMode?: 'private' | 'host' | '';
  Dns?: string[];
  DnsOptions?: string[];
  DnsSearch?: string[];
  ExtraHosts?: string[];
  GroupAdd?: string[];
  IpcMode?: string;
  Cgroup?: string;
  Links?: string[];
  OomScoreAdj?: number;
  PidMode?: string;
  Privileged?: boolean;
  PublishAllPorts?: boolean;
  ReadonlyRootfs?: boolean;
  /** "seccomp=unconfined", "seccomp=<profile JSON>" (the CLI inlines the file), "no-new-privileges[:true]". */
  SecurityOpt?: string[];
  StorageOpt?: Record<string, string>;
  /** Path → mount options, e.g. { "/run": "size=64m" }. */
  Tmpfs?: Record<string, string>;
  UTSMode?: string;
  UsernsMode?: string;
  ShmSize?: number;
  Sysctls?: Record<string, string>;
  Runtime?: string;
  Isolation?: string;
  // Resources
  CpuShares?: number;
  Memory?: number;
  NanoCpus?: number;
  CgroupParent?: string;
  BlkioWeight?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  Devices?: DeviceMapping[];
  DeviceCgroupRules?: string[];
  KernelMemory?: number;
  MemoryReservation?: number;
  /** -1: unlimited swap. */
  MemorySwap?: number;
  MemorySwappiness?: number | null;
  OomKillDisable?: boolean;
  PidsLimit?: number | null;
  Ulimits?: Ulimit[];
  Init?: boolean | null;
  MaskedPaths?: string[];
  ReadonlyPaths?: string[];
}

export interface EndpointSettings {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  Links?: string[] | null;
  Aliases?: string[] | null;
  MacAddress?: string;
}

export interface NetworkingConfig {
  EndpointsConfig?: Record<string, EndpointSettings>;
}

/** The body of `POST /containers/create`. */
export interface ContainerCreateRequest extends ContainerConfig {
  HostConfig?: HostConfig;
  NetworkingConfig?: NetworkingConfig;
}
