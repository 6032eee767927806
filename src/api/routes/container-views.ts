// A container in Docker's JSON shapes: the summary of GET /containers/json and the
// document of GET /containers/{id}/json (`inspect`).
import { containerStatusText } from '../../cli/container/index.ts';
import { type ContainerRecord, ZERO_TIME } from '../../engine/container-record.ts';

const shortCommand = (r: ContainerRecord): string => [r.path, ...r.args].map(quoteArg).join(' ');

// Docker's ps shows the command as the words joined, each quoted only when it has blanks.
const quoteArg = (a: string): string => (/\s/.test(a) ? `'${a}'` : a);

const isRunning = (r: ContainerRecord) => ['running', 'paused', 'restarting'].includes(r.state.Status);

/** `Up 5 seconds`, `Exited (0) 3 minutes ago`, `Created`: Docker's Status text, at `now`. */
export function statusText(r: ContainerRecord, now = Date.now()): string {
  const s = r.state;
  const time = (t: string) => (t === ZERO_TIME ? undefined : Date.parse(t));
  return containerStatusText(
    {
      running: ['running', 'paused', 'restarting'].includes(s.Status),
      paused: s.Status === 'paused',
      restarting: s.Status === 'restarting',
      removing: s.Status === 'removing',
      dead: s.Status === 'dead',
      startedAt: time(s.StartedAt),
      finishedAt: time(s.FinishedAt),
      exitCode: s.ExitCode,
      health: s.health?.Status,
    },
    now,
  );
}

export function containerSummary(r: ContainerRecord, now = Date.now()) {
  const hc = r.request.HostConfig ?? {};
  return {
    Id: r.id,
    Names: [`/${r.name}`],
    Image: r.imageRef,
    ImageID: r.imageId,
    Command: shortCommand(r),
    Created: Math.floor(Date.parse(r.created) / 1000),
    Ports: portSummary(r),
    Labels: r.request.Labels ?? {},
    State: r.state.Status,
    Status: statusText(r, now),
    HostConfig: { NetworkMode: hc.NetworkMode || 'default' },
    NetworkSettings: { Networks: r.networks ?? {} },
    Mounts: r.mounts,
  };
}

export function containerInspect(
  r: ContainerRecord,
  paths: {
    dir: string;
    logPath: string;
    rootfs: string;
    graph: Record<string, string>;
    driver: string;
    /** The network namespace file while it runs on a bridge network. */
    sandboxKey?: string;
  },
) {
  const req = r.request;
  const hostConfig = req.HostConfig ?? {};
  const s = r.state;
  return {
    Id: r.id,
    Created: r.created,
    Path: r.path,
    Args: r.args,
    State: {
      Status: s.Status,
      Running: isRunning(r) && s.Status !== 'restarting',
      Paused: s.Status === 'paused',
      Restarting: s.Status === 'restarting',
      OOMKilled: s.OOMKilled,
      Dead: s.Status === 'dead',
      Pid: s.Pid,
      ExitCode: s.ExitCode,
      Error: s.Error,
      StartedAt: s.StartedAt,
      FinishedAt: s.FinishedAt,
      ...(s.health ? { Health: s.health } : {}),
    },
    Image: r.imageId,
    ResolvConfPath: `${paths.dir}/resolv.conf`,
    HostnamePath: `${paths.dir}/hostname`,
    HostsPath: `${paths.dir}/hosts`,
    LogPath: paths.logPath,
    Name: `/${r.name}`,
    RestartCount: r.restartCount,
    Driver: paths.driver,
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: {
      NetworkMode: 'default',
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      LogConfig: { Type: 'json-file', Config: {} },
      ...hostConfig,
    },
    GraphDriver: { Data: paths.graph, Name: paths.driver },
    Mounts: r.mounts,
    Config: {
      Hostname: req.Hostname || r.id.slice(0, 12),
      Domainname: req.Domainname ?? '',
      User: '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      ...r.config,
      Image: r.imageRef,
    },
    NetworkSettings: networkSettings(r, paths.sandboxKey ?? ''),
  };
}

const isUp = (r: ContainerRecord) => r.state.Status === 'running' || r.state.Status === 'paused';

/** Docker's NetworkSettings.Ports: each exposed or published port, with its bindings (null: none). */
function portMap(r: ContainerRecord): Record<string, { HostIp: string; HostPort: string }[] | null> {
  if (!isUp(r)) return {};
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const key of Object.keys(r.config.ExposedPorts ?? {}))
    out[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const p of r.ports ?? []) {
    const key = `${p.containerPort}/${p.protocol}`;
    const list = out[key] ?? [];
    list.push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
    out[key] = list;
  }
  return out;
}

/** The container list's Ports: published ones with their host side, exposed ones without. */
function portSummary(r: ContainerRecord) {
  const out: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] = [];
  for (const [key, bindings] of Object.entries(portMap(r))) {
    const [port, type = 'tcp'] = key.split('/');
    if (!bindings) out.push({ PrivatePort: Number(port), Type: type });
    else
      for (const b of bindings)
        out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: type });
  }
  return out;
}

function networkSettings(r: ContainerRecord, sandboxKey: string) {
  const networks = r.networks ?? {};
  // Docker's top-level address fields describe the default bridge network only
  const bridge = networks.bridge;
  return {
    Bridge: '',
    SandboxID: sandboxKey ? r.id : '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: portMap(r),
    SandboxKey: sandboxKey,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.EndpointID ?? '',
    Gateway: bridge?.Gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: bridge?.IPAddress ?? '',
    IPPrefixLen: bridge?.IPPrefixLen ?? 0,
    IPv6Gateway: '',
    MacAddress: bridge?.MacAddress ?? '',
    Networks: networks,
  };
}
