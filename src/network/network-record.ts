// What berth keeps about networks and about containers' attachments to them.

export interface NetworkRecord {
  id: string;
  name: string;
  /** `bridge` for berth's networks; `host` and `null` for the built-in host and none. */
  driver: 'bridge' | 'host' | 'null';
  created: string;
  /** The Linux bridge (bridge driver only). */
  bridge: string;
  subnet: string;
  gateway: string;
  ipRange?: string;
  internal: boolean;
  attachable: boolean;
  mtu?: number;
  options: Record<string, string>;
  labels: Record<string, string>;
  /** The daemon's default network (`bridge`), and the built-in host and none. */
  builtin: boolean;
}

/** A container's interface on one network, while it runs (or while a crash left it). */
export interface EndpointRecord {
  containerId: string;
  networkId: string;
  endpointId: string;
  ifname: string;
  /** Without the prefix; empty until the interface is made. */
  ip: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  /** Names it answers to on this network: the container's name, its short ID, aliases. */
  names: string[];
  /** The upstream resolvers for its queries of other names. */
  dns: string[];
}

/** A published port as it was bound. */
export interface PortMapping {
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

/** A container's network namespace and published ports (the sandbox, in Docker's words). */
export interface SandboxRecord {
  containerId: string;
  netns: string;
  ports: PortMapping[];
}
