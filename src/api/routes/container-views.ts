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
    Ports: [],
    Labels: r.request.Labels ?? {},
    State: r.state.Status,
    Status: statusText(r, now),
    HostConfig: { NetworkMode: hc.NetworkMode || 'none' },
    NetworkSettings: { Networks: {} },
    Mounts: r.mounts,
  };
}

export function containerInspect(
  r: ContainerRecord,
  paths: { dir: string; logPath: string; rootfs: string; graph: Record<string, string>; driver: string },
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
      NetworkMode: 'none',
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
    NetworkSettings: {
      Bridge: '',
      SandboxID: '',
      Ports: {},
      SandboxKey: '',
      Networks: {},
    },
  };
}
