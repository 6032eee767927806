// A container's OCI runtime spec, made from `POST /containers/create` (Docker's Config and
// HostConfig) and the image's config, following Docker's rules (see each part's file).
//
// Everything is parsed and checked first; only then does anything change on disk: the
// working directory is created in the rootfs (as Docker does), the hostname, hosts and
// resolv.conf files are written into the container's directory, missing `-v` bind sources
// are created, and volumes are looked up or created through the engine's callback (new,
// empty ones get the image's files). A bad request therefore leaves nothing behind.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerConfig as ImageContainerConfig } from '../../oci/descriptor.ts';
import type { DockerSeccompProfile } from '../../runtime/seccomp/index.ts';
import {
  DEFAULT_PATH,
  DEFAULT_READONLY_PATHS,
  DEFAULT_SHM_SIZE,
  DOCKER_MASKED_PATHS,
  defaultSpec,
  dockerMounts,
} from '../../runtime/spec/defaults.ts';
import type { Mount, Spec } from '../../runtime/spec/types.ts';
import { BerthError, fromErrno, invalidArgument } from '../../util/errors.ts';
import type { ContainerCreateRequest } from '../container-config.ts';
import { capabilitySets, containerCapabilities } from './capabilities.ts';
import { assembleMounts, bindMount, type MountPoint, type UserMount } from './container-mounts.ts';
import { containerDevices } from './devices.ts';
import { containerEtcFiles } from './etc-files.ts';
import { type HostFacts, hostFacts } from './host-facts.ts';
import { type MergedConfig, mergeConfig, processArgs, processEnv } from './merge-config.ts';
import { cleanPath, mountRequests } from './mount-requests.ts';
import { type JoinKind, type NamespaceModes, parseNamespaceModes, specNamespaces } from './namespaces.ts';
import { writeNetworkFiles } from './network-files.ts';
import { containerResources, oomScoreAdj } from './resources.ts';
import { mkdirInRoot } from './rootfs-paths.ts';
import { containerSeccomp } from './seccomp.ts';
import { parseSecurityOpts } from './security-opts.ts';
import { containerSysctls } from './sysctls.ts';
import { containerRlimits } from './ulimits.ts';
import { resolveUserInRootfs } from './user.ts';
import { anonymousVolumeRequests, prepareBindSources, resolveUserMount } from './user-mounts.ts';
import type { VolumeResolver } from './volumes.ts';

/** Where berth-native is bound for `--init` (Docker's is /sbin/docker-init). */
export const INIT_PATH = '/sbin/berth-init';
const HOSTNAME_MAX = 64;

/** The container whose network namespace this one joins (`--network container:<ref>`). */
export interface NetworkPeer {
  hostname: string;
  domainname?: string;
  /** Its directory with the hostname, hosts and resolv.conf files, which this container shares. */
  containerDir: string;
}

export interface ContainerSpecInput {
  /** 64 hex digits; the default hostname is its first 12. */
  id: string;
  name: string;
  request: ContainerCreateRequest;
  /** The image's config document (its `config` member is what is used). */
  image: { config?: ImageContainerConfig | null };
  /** Host path of the container's mounted root filesystem. */
  rootfs: string;
  /** A directory berth owns for this container; hostname, hosts and resolv.conf are written here. */
  containerDir: string;
  volumes: VolumeResolver;
  cgroupsPath: string;
  /** Host path of berth-native, bound read-only at /sbin/berth-init for HostConfig.Init. */
  initBinary?: string;
  /** The daemon's default seccomp profile (Docker's format), or undefined for none. */
  seccompDefault?: DockerSeccompProfile;
  /** For `container:<ref>` network, IPC and PID modes: the namespace file to join (`/proc/<pid>/ns/net`). */
  namespacePath?: (kind: JoinKind, containerRef: string) => string;
  /** For `--network container:<ref>`: that container's names and directory. */
  networkPeer?: (containerRef: string) => NetworkPeer;
  /** The container's own addresses, for its line in /etc/hosts (none yet: no line). */
  addresses?: string[];
  /** What `host-gateway` in ExtraHosts stands for (the engine's bridge gateway). */
  hostGateway?: string;
  /** The network namespace the engine set up for a container on a bridge network (a file to join). */
  networkNamespace?: string;
  /** berth's DNS server for a user-defined network: the only nameserver in resolv.conf. */
  nameserver?: string;
  /** Facts about the machine; read from it when not given. */
  host?: Partial<HostFacts>;
}

export interface ContainerSpecResult {
  spec: Spec;
  /** `inspect`'s Mounts. */
  mounts: MountPoint[];
  /** Names of the volumes the callback created for this container. */
  volumesCreated: string[];
  /** For the create response's Warnings. */
  warnings: string[];
  /** `inspect`'s Path and Args: the command without berth-init. */
  path: string;
  args: string[];
  /** The Config values after the image's were applied, as `inspect` shows them. */
  config: MergedConfig & { Hostname: string; Domainname: string };
  hostnamePath: string;
  hostsPath: string;
  resolvConfPath: string;
}

const NETWORK_FILE_DESTINATIONS = {
  hostname: '/etc/hostname',
  hosts: '/etc/hosts',
  'resolv.conf': '/etc/resolv.conf',
} as const;

function checkName(value: string, what: string): string {
  if (value.length > HOSTNAME_MAX || /[\s/]/.test(value)) {
    throw invalidArgument(
      `invalid ${what} "${value}": at most ${HOSTNAME_MAX} characters, no spaces or slashes`,
    );
  }
  return value;
}

function checkContainerPaths(paths: readonly string[], field: string): string[] {
  return paths.map((p, i) => {
    if (!p.startsWith('/')) throw invalidArgument(`${field}[${i}]: "${p}" is not an absolute path`);
    return p;
  });
}

/** The container's host and domain names: another container's, the host's, or its own. */
function containerNames(
  input: ContainerSpecInput,
  modes: NamespaceModes,
  hostHostname: string,
): { hostname: string; domainname: string; peer?: NetworkPeer } {
  const req = input.request;
  const net = modes.network;
  let out: { hostname: string; domainname: string; peer?: NetworkPeer };
  if (net.kind === 'container') {
    if (!input.networkPeer) {
      throw new BerthError(
        'FailedPrecondition',
        `network mode container:${net.ref} needs the engine's networkPeer`,
      );
    }
    const peer = input.networkPeer(net.ref);
    out = { hostname: peer.hostname, domainname: peer.domainname ?? '', peer };
  } else if (net.kind === 'host' || modes.uts === 'host') {
    out = { hostname: req.Hostname || hostHostname, domainname: req.Domainname ?? '' };
  } else {
    out = { hostname: req.Hostname || input.id.slice(0, 12), domainname: req.Domainname ?? '' };
  }
  checkName(out.hostname, 'hostname');
  if (out.domainname) checkName(out.domainname, 'domain name');
  return out;
}

/** `--init`: berth-init as pid 1 with the command after `--`, when the container has its own PID namespace. */
function initWrapper(
  input: ContainerSpecInput,
  modes: NamespaceModes,
  argv: string[],
  warnings: string[],
): { argv: string[]; mount?: Mount } {
  if (!input.request.HostConfig?.Init) return { argv };
  if (modes.pid.kind !== 'private') {
    warnings.push('--init is ignored: the container does not have a PID namespace of its own');
    return { argv };
  }
  if (!input.initBinary) {
    throw new BerthError('FailedPrecondition', '--init needs the path of berth-native (initBinary)');
  }
  return {
    argv: [INIT_PATH, 'init', '--', ...argv],
    mount: { destination: INIT_PATH, type: 'bind', source: input.initBinary, options: ['bind', 'ro'] },
  };
}

export async function containerSpec(input: ContainerSpecInput): Promise<ContainerSpecResult> {
  const req = input.request;
  const hc = req.HostConfig ?? {};
  const host = hostFacts(input.host);
  const warnings: string[] = [];

  // --- parse and check everything ---
  const merged = mergeConfig(req, input.image.config);
  const modes = parseNamespaceModes(hc, { networkDisabled: req.NetworkDisabled, cgroupV2: host.cgroupV2 });
  const net = modes.network;
  if (net.kind === 'container') {
    if (req.Hostname) throw invalidArgument('conflicting options: hostname and the network mode');
    if (hc.Dns?.length) throw invalidArgument('conflicting options: dns and the network mode');
    if (hc.ExtraHosts?.length) {
      throw invalidArgument('conflicting options: custom host-to-IP mapping and the network mode');
    }
  }
  if (modes.uts === 'host' && req.Hostname)
    throw invalidArgument('conflicting options: hostname and the UTS mode');

  const { hostname, domainname, peer } = containerNames(input, modes, host.hostname);

  const workingDir = merged.WorkingDir;
  if (workingDir && !workingDir.startsWith('/')) {
    throw invalidArgument(
      `the working directory '${workingDir}' is invalid, it needs to be an absolute path`,
    );
  }
  const cwd = workingDir ? cleanPath(workingDir) : '/';

  const user = resolveUserInRootfs(input.rootfs, merged.User, hc.GroupAdd ?? []);
  const env = processEnv({
    env: merged.Env,
    hostname,
    tty: !!req.Tty,
    home: user.home,
    defaultPath: DEFAULT_PATH,
  });
  const { path, args } = processArgs(merged);
  const init = initWrapper(input, modes, [path, ...args], warnings);

  const security = parseSecurityOpts(hc.SecurityOpt, warnings);
  const privileged = !!hc.Privileged;
  const caps = containerCapabilities({
    capAdd: hc.CapAdd,
    capDrop: hc.CapDrop,
    privileged,
    lastCap: host.lastCap,
  });
  const seccomp = containerSeccomp({
    choice: security.seccomp,
    privileged,
    defaultProfile: input.seccompDefault,
    capabilities: caps,
    arch: host.arch,
    kernel: host.kernel,
  });

  const joinPath = (kind: JoinKind, ref: string) => {
    if (!input.namespacePath) {
      throw new BerthError(
        'FailedPrecondition',
        `${kind} mode container:${ref} needs the engine's namespacePath`,
      );
    }
    return input.namespacePath(kind, ref);
  };
  const namespaces = specNamespaces(modes, joinPath, input.networkNamespace);
  const has = (type: string) => namespaces.some((n) => n.type === type);

  const shmSize = hc.ShmSize ?? 0;
  if (shmSize < 0) throw invalidArgument('SHM size can not be less than 0');

  const requests = mountRequests(hc);
  requests.push(...anonymousVolumeRequests(merged.Volumes, requests, input.rootfs));
  let rootfsPropagation: 'shared' | undefined;
  for (const r of requests) {
    if (r.type === 'bind' && (r.propagation === 'shared' || r.propagation === 'rshared'))
      rootfsPropagation = 'shared';
  }

  const resources = containerResources(hc, { cgroupV2: host.cgroupV2, cpus: host.cpus }, warnings);
  const devices = containerDevices({
    privileged,
    devices: hc.Devices,
    rules: hc.DeviceCgroupRules,
    warnings,
    hostDevices: host.devices,
  });
  resources.devices = devices.rules;
  const rlimits = containerRlimits(hc.Ulimits);
  const oomAdj = oomScoreAdj(hc.OomScoreAdj);
  const sysctl = containerSysctls({
    sysctls: hc.Sysctls,
    ownNetwork: net.kind === 'private' || net.kind === 'none',
    netns: has('network'),
    ipcns: has('ipc'),
    utsns: has('uts'),
    exists: host.sysctlExists,
  });
  const unconfinedPaths = privileged || security.systemPathsUnconfined;
  const maskedPaths = unconfinedPaths
    ? []
    : checkContainerPaths(hc.MaskedPaths ?? DOCKER_MASKED_PATHS, 'HostConfig.MaskedPaths');
  const readonlyPaths = unconfinedPaths
    ? []
    : checkContainerPaths(hc.ReadonlyPaths ?? DEFAULT_READONLY_PATHS, 'HostConfig.ReadonlyPaths');
  if (
    modes.ipc.kind === 'host' &&
    !requests.some((r) => r.destination === '/dev/shm') &&
    !existsSync('/dev/shm')
  ) {
    throw invalidArgument('/dev/shm is not mounted, but must be for --ipc=host');
  }
  if (modes.ipc.kind === 'container') {
    warnings.push(
      `the container shares System V IPC with ${modes.ipc.ref} but has its own /dev/shm: POSIX shared memory is not shared`,
    );
  }

  // --- make what the container needs on disk ---
  if (cwd !== '/') mkdirInRoot(input.rootfs, cwd, `creating the working directory ${cwd}`);

  const readonlyRootfs = !!hc.ReadonlyRootfs;
  const userMounts: UserMount[] = [];
  const volumesCreated: string[] = [];
  prepareBindSources(requests, host.mountinfo);

  let files: { hostname: string; hosts: string; 'resolv.conf': string };
  if (peer) {
    files = {
      hostname: join(peer.containerDir, 'hostname'),
      hosts: join(peer.containerDir, 'hosts'),
      'resolv.conf': join(peer.containerDir, 'resolv.conf'),
    };
  } else {
    const content = containerEtcFiles({
      hostConfig: hc,
      hostname,
      domainname,
      hostNetwork: net.kind === 'host',
      ...(input.addresses ? { addresses: input.addresses } : {}),
      ...(input.hostGateway ? { hostGateway: input.hostGateway } : {}),
      ...(input.nameserver ? { nameserver: input.nameserver } : {}),
      host,
      warnings,
    });
    try {
      files = writeNetworkFiles(input.containerDir, content);
    } catch (err) {
      throw fromErrno(err, `writing the container's /etc files into ${input.containerDir}`);
    }
  }

  for (const r of requests) {
    userMounts.push(
      await resolveUserMount(r, { rootfs: input.rootfs, volumes: input.volumes, volumesCreated }),
    );
  }
  for (const [name, destination] of Object.entries(NETWORK_FILE_DESTINATIONS)) {
    if (requests.some((r) => r.destination === destination)) continue;
    userMounts.push({
      mount: bindMount(destination, files[name as keyof typeof files], {
        readOnly: readonlyRootfs,
        propagation: 'rprivate',
      }),
    });
  }
  if (modes.ipc.kind === 'host' && !requests.some((r) => r.destination === '/dev/shm')) {
    userMounts.push({
      mount: bindMount('/dev/shm', '/dev/shm', { readOnly: false, propagation: 'rprivate' }),
    });
  }

  // --- the spec ---
  const spec = defaultSpec({
    args: init.argv,
    env,
    cwd,
    hostname,
    uid: user.uid,
    gid: user.gid,
    additionalGids: user.additionalGids,
    terminal: !!req.Tty,
    rootfs: input.rootfs,
    readonlyRootfs,
    shmSize: shmSize || DEFAULT_SHM_SIZE,
    cgroupns: modes.cgroup === 'private',
    hostNetwork: net.kind === 'host',
  });
  const proc = spec.process as NonNullable<Spec['process']>;
  const linux = spec.linux as NonNullable<Spec['linux']>;
  proc.env = env; // defaultSpec would put its own PATH in front when the env has none
  proc.capabilities = capabilitySets(caps, user.uid);
  proc.oomScoreAdj = oomAdj;
  if (security.noNewPrivileges) proc.noNewPrivileges = true;
  if (rlimits.length) proc.rlimits = rlimits;
  if (modes.uts === 'private') {
    spec.hostname = hostname;
    if (domainname) spec.domainname = domainname;
  } else delete spec.hostname;
  spec.mounts = assembleMounts({
    defaults: dockerMounts(shmSize || DEFAULT_SHM_SIZE),
    user: userMounts,
    ...(init.mount ? { init: init.mount } : {}),
    readonlyRootfs,
    ipcNone: modes.ipc.kind === 'none',
    privileged,
    writableCgroups: security.writableCgroups,
  });
  linux.namespaces = namespaces;
  linux.cgroupsPath = input.cgroupsPath;
  linux.resources = resources;
  if (devices.devices.length) linux.devices = devices.devices;
  if (Object.keys(sysctl).length) linux.sysctl = sysctl;
  else delete linux.sysctl;
  linux.maskedPaths = maskedPaths;
  linux.readonlyPaths = readonlyPaths;
  if (seccomp) linux.seccomp = seccomp;
  if (rootfsPropagation) linux.rootfsPropagation = rootfsPropagation;

  return {
    spec,
    mounts: userMounts.flatMap((u) => (u.inspect ? [u.inspect] : [])),
    volumesCreated,
    warnings,
    path,
    args,
    config: { ...merged, Hostname: hostname, Domainname: domainname },
    hostnamePath: files.hostname,
    hostsPath: files.hosts,
    resolvConfPath: files['resolv.conf'],
  };
}
