// System endpoints: /_ping, /version and /info, in the shapes Docker clients read.
import { isBerthError } from '../../util/errors.ts';
import { compareApiVersions, MAX_API_VERSION, MIN_API_VERSION } from '../api-version.ts';
import { BERTH_VERSION, buildTimeOf, GIT_COMMIT, goArch } from '../build-info.ts';
import type { DaemonContext, RouteModule } from '../daemon-context.ts';
import type { RequestContext } from '../request-context.ts';
import {
  cgroupFeatures,
  type MachineFacts,
  machineFacts,
  networkFacts,
  runtimesInfo,
} from '../system-info.ts';
import { type ContainerCounts, countContainers } from '../system-stats.ts';

const ping = (ctx: RequestContext): void => {
  ctx.res.setHeader('Builder-Version', '1');
  ctx.res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
  ctx.res.setHeader('Pragma', 'no-cache');
  ctx.text(200, 'OK');
};

export function versionBody(machine: MachineFacts) {
  const buildTime = buildTimeOf().toISOString();
  const common = {
    Version: BERTH_VERSION,
    ApiVersion: MAX_API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: GIT_COMMIT,
    GoVersion: process.version,
    Os: 'linux',
    Arch: goArch(),
    KernelVersion: machine.kernelVersion,
    BuildTime: buildTime,
  };
  return {
    Platform: { Name: 'Berth Engine' },
    Components: [
      {
        Name: 'Engine',
        Version: BERTH_VERSION,
        Details: {
          ApiVersion: MAX_API_VERSION,
          Arch: common.Arch,
          BuildTime: buildTime,
          Experimental: 'false',
          GitCommit: GIT_COMMIT,
          GoVersion: process.version,
          KernelVersion: machine.kernelVersion,
          MinAPIVersion: MIN_API_VERSION,
          Os: 'linux',
        },
      },
    ],
    ...common,
  };
}

export async function infoBody(daemon: DaemonContext, machine: MachineFacts, apiVersion: string) {
  const [images, containers, driver] = await Promise.all([
    daemon.stats.images(),
    daemon.stats.containers(),
    daemon.stats.storageDriver(),
  ]);
  const cg = cgroupFeatures();
  const net = networkFacts();
  const warnings: string[] = [];
  if (!cg.memoryLimit) warnings.push('WARNING: No memory limit support');
  if (!cg.swapLimit) warnings.push('WARNING: No swap limit support');
  if (!net.ipv4Forwarding) warnings.push('WARNING: IPv4 forwarding is disabled');
  const securityOptions = ['name=seccomp,profile=builtin'];
  if (machine.cgroupVersion === '2') securityOptions.push('name=cgroupns');
  const info: Record<string, unknown> = {
    ID: daemon.engineId,
    Containers: containers.total,
    ContainersRunning: containers.running,
    ContainersPaused: containers.paused,
    ContainersStopped: containers.stopped,
    Images: images,
    Driver: driver.name,
    DriverStatus: driver.status,
    Plugins: {
      Volume: ['local'],
      Network: ['bridge', 'host', 'null'],
      Authorization: null,
      Log: ['json-file'],
    },
    MemoryLimit: cg.memoryLimit,
    SwapLimit: cg.swapLimit,
    CpuCfsPeriod: cg.cpuCfs,
    CpuCfsQuota: cg.cpuCfs,
    CPUShares: cg.cpuShares,
    CPUSet: cg.cpuSet,
    PidsLimit: cg.pidsLimit,
    OomKillDisable: cg.oomKillDisable,
    IPv4Forwarding: net.ipv4Forwarding,
    BridgeNfIptables: net.bridgeNfIptables,
    BridgeNfIp6tables: net.bridgeNfIp6tables,
    Debug: daemon.log.level === 'debug',
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: machine.cgroupVersion,
    NEventsListener: 0,
    KernelVersion: machine.kernelVersion,
    OperatingSystem: machine.operatingSystem,
    OSVersion: machine.osVersion,
    OSType: 'linux',
    Architecture: machine.architecture,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      InsecureRegistryCIDRs: [],
      IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
      Mirrors: [],
    },
    NCPU: machine.ncpu,
    MemTotal: machine.memTotal,
    GenericResources: null,
    DockerRootDir: daemon.config.root,
    HttpProxy: process.env.HTTP_PROXY ?? process.env.http_proxy ?? '',
    HttpsProxy: process.env.HTTPS_PROXY ?? process.env.https_proxy ?? '',
    NoProxy: process.env.NO_PROXY ?? process.env.no_proxy ?? '',
    Name: machine.hostname,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: BERTH_VERSION,
    ...runtimesInfo(daemon.config.runtimes, daemon.config.defaultRuntime),
    Swarm: {
      NodeID: '',
      NodeAddr: '',
      LocalNodeState: 'inactive',
      ControlAvailable: false,
      Error: '',
      RemoteManagers: null,
    },
    LiveRestoreEnabled: false,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '', Expected: '' },
    RuncCommit: { ID: GIT_COMMIT, Expected: GIT_COMMIT },
    InitCommit: { ID: '', Expected: '' },
    SecurityOptions: securityOptions,
    Warnings: warnings.length ? warnings : null,
  };
  // Fields that Docker dropped from the API after 1.41 go only to clients that still ask for them.
  if (compareApiVersions(apiVersion, '1.42') < 0) {
    info.KernelMemory = false;
    info.KernelMemoryTCP = false;
  }
  return info;
}

/** The engine's containers as /info counts them; none while the engine is not open. */
function engineCounts(daemon: DaemonContext): ContainerCounts {
  try {
    return countContainers(daemon.containers.service.list().map((r) => r.state.Status));
  } catch (err) {
    if (isBerthError(err, 'Unavailable')) return countContainers([]);
    throw err;
  }
}

export const systemRoutes: RouteModule = (router, daemon) => {
  const machine = machineFacts();
  daemon.stats.provideContainers(() => engineCounts(daemon));
  router.add(['GET', 'HEAD'], '/_ping', ping);
  router.get('/version', () => versionBody(machine));
  router.get('/info', (ctx) => infoBody(daemon, machine, ctx.apiVersion));
};
