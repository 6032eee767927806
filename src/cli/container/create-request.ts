// `berth run` / `berth create` options and arguments → the body of
// `POST /containers/create`, plus what the command itself needs (name, pull
// policy, attach streams, ...). The rules are Docker's CLI's, and where Docker
// leaves a check to its daemon (volume specs, restart policy, resource ranges)
// berth makes it here too, so a bad flag fails before any request, with the
// daemon's words. Messages are BerthError('InvalidArgument'): a bad flag value
// reads as pflag's (`invalid argument "1x" for "-m, --memory" flag: ...`).
//
// The request carries what the flags say and nothing else: fields left at
// their zero value are omitted (the daemon reads absent as zero), except
// NetworkMode ("default") and RestartPolicy, which Docker's CLI always sends.
// Differences from Docker's CLI, on purpose: `-e KEY` (and an env-file line
// holding only KEY) for a variable not set in `env` is dropped rather than sent
// bare; the order of Env entries is the order given (Docker's CLI loses it).
import { availableParallelism } from 'node:os';
import type {
  ContainerConfig,
  ContainerCreateRequest,
  HostConfig,
  Ulimit,
} from '../../engine/container-config.ts';
import { BerthError } from '../../util/errors.ts';
import type { OptionValues } from '../args.ts';
import { ramInBytes } from './byte-size.ts';
import { checkDeviceCgroupRule, parseDevice } from './devices.ts';
import { flagValue, invalid, parseGoDuration, parseGoUint } from './go-values.ts';
import { buildHealthcheck } from './health-options.ts';
import { parseDnsSearch, parseDnsServer, parseExtraHost } from './host-names.ts';
import { isLoopbackIp } from './ip-address.ts';
import { describeReadError, type Lookup, parseKeyValueText } from './key-value-file.ts';
import { type MountRequest, parseMountFlag } from './mount-spec.ts';
import { checkNamespaceModes } from './namespace-modes.ts';
import { buildNetworkSettings, parseIpFlag, parseNetworkFlag } from './network-options.ts';
import { parseExpose, parsePublish } from './ports.ts';
import { parseCpus, validateResources } from './resources.ts';
import { isNoRestart, parseRestartPolicy } from './restart-policy.ts';
import { flagLabel, type RUN_OPTIONS, type RunOptionName } from './run-options.ts';
import { normalizeCapabilities, parseSecurityOpts, parseSysctl, type ReadFile } from './security-options.ts';
import { parseUlimit, parseUlimits } from './ulimit.ts';
import { parseTmpfsFlags, parseVolumeFlags } from './volume-spec.ts';

export type RunValues = OptionValues<typeof RUN_OPTIONS>;
export type AttachStream = 'stdin' | 'stdout' | 'stderr';
export type PullPolicy = 'missing' | 'always' | 'never';

export interface HostFacts {
  /** The host's CPU count, the upper bound of `--cpus`. */
  readonly cpus: number;
  /** Where `./relative` bind sources are resolved from. */
  readonly cwd: string;
}

export interface CreatePlan {
  readonly request: ContainerCreateRequest;
  readonly name?: string;
  readonly platform?: string;
  readonly pull: PullPolicy;
  /** `-q`: no pull progress. */
  readonly quiet: boolean;
  readonly detach: boolean;
  readonly detachKeys?: string;
  /** The streams to attach to (none when detached). */
  readonly attach: AttachStream[];
  readonly tty: boolean;
  readonly sigProxy: boolean;
  readonly autoRemove: boolean;
  /** Write the container's ID here (the file must not exist yet). */
  readonly cidfile?: string;
  /** Docker's CLI's warnings, to print as `WARNING: ...` on stderr. */
  readonly warnings: string[];
}

type ContainerRequest = ContainerCreateRequest & {
  HostConfig: HostConfig & { Mounts?: MountRequest[] };
};

const toInvalid = (err: unknown): BerthError =>
  err instanceof BerthError ? err : invalid(err instanceof Error ? err.message : String(err));

/** Run a step; a plain Error becomes InvalidArgument with its message. */
function step<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toInvalid(err);
  }
}

/** Each value of a repeatable flag through its parser, failing as pflag does. */
function eachFlag<T>(
  values: readonly string[] | undefined,
  name: RunOptionName,
  parse: (v: string) => T,
): T[] {
  return (values ?? []).map((v) => flagValue(v, flagLabel(name), parse));
}

function oneFlag<T>(value: string | undefined, name: RunOptionName, parse: (v: string) => T): T | undefined {
  return value === undefined ? undefined : flagValue(value, flagLabel(name), parse);
}

const duration = (value: string | undefined, name: RunOptionName): number | undefined =>
  oneFlag(value, name, parseGoDuration);

const bytes = (value: string | undefined, name: RunOptionName): number | undefined =>
  oneFlag(value, name, ramInBytes);

function readEntries(files: readonly string[], readFile: ReadFile, lookup?: Lookup) {
  return files.flatMap((file) => {
    let text: string;
    try {
      text = readFile(file);
    } catch (err) {
      throw invalid(describeReadError(file, err));
    }
    return step(() => parseKeyValueText(text, file, lookup));
  });
}

function validateEnvFlag(
  value: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const eq = value.indexOf('=');
  const key = eq < 0 ? value : value.slice(0, eq);
  if (key === '') throw new Error(`invalid environment variable: ${value}`);
  if (eq >= 0) return value;
  const v = env[key];
  return v === undefined ? undefined : `${key}=${v}`;
}

function validateLabelFlag(value: string): string {
  const eq = value.indexOf('=');
  const key = (eq < 0 ? value : value.slice(0, eq)).replace(/^[ \t]+/, '');
  if (key === '') throw new Error(`invalid label '${value}': empty name`);
  if (/[ \t]/.test(key)) throw new Error(`label '${key}' contains whitespaces`);
  return value;
}

function validateAttachFlag(value: string): AttachStream {
  const s = value.toLowerCase();
  if (s === 'stdin' || s === 'stdout' || s === 'stderr') return s;
  throw new Error('valid streams are STDIN, STDOUT and STDERR');
}

function validateLinkFlag(value: string): string {
  if (value === '') throw new Error('empty string specified for links');
  if (value.split(':').length > 2) throw new Error(`bad format for links: ${value}`);
  return value;
}

const toMap = (entries: readonly string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    out[eq < 0 ? e : e.slice(0, eq)] = eq < 0 ? '' : e.slice(eq + 1);
  }
  return out;
};

function pullPolicy(value: string | undefined): PullPolicy {
  if (value === undefined || value === '' || value === 'missing') return 'missing';
  if (value === 'always' || value === 'never') return value;
  throw invalid(`invalid pull option: '${value}': must be one of "always", "missing" or "never"`);
}

const CONTAINER_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

const nonEmpty = <T>(list: T[]): T[] | undefined => (list.length ? list : undefined);
const hasKeys = (o: object): boolean => Object.keys(o).length > 0;

/** Drop the keys whose value is undefined, so the request says only what was given. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * The create request and run plan for `run`/`create` options `values` and
 * arguments `positionals` (IMAGE [COMMAND] [ARG...]). `env` is the user's
 * environment (for `-e KEY` and env-file lines with only a KEY); `readFile`
 * reads `--env-file`, `--label-file` and seccomp profiles (UTF-8 text).
 */
export function buildCreateRequest(
  values: RunValues,
  positionals: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  readFile: ReadFile,
  host: HostFacts = { cpus: availableParallelism(), cwd: process.cwd() },
): CreatePlan {
  const v = values;
  const [image, ...cmd] = positionals;
  if (image === undefined)
    throw invalid('requires at least 1 argument: the image to create the container from');

  // Flag values, checked as pflag checks them while parsing.
  const attachFlags = eachFlag(v.attach, 'attach', validateAttachFlag);
  const envFlags = eachFlag(v.env, 'env', (e) => validateEnvFlag(e, env));
  const labelFlags = eachFlag(v.label, 'label', validateLabelFlag);
  const extraHosts = eachFlag(v['add-host'], 'add-host', parseExtraHost);
  const dns = eachFlag(v.dns, 'dns', parseDnsServer);
  const dnsSearch = eachFlag(v['dns-search'], 'dns-search', parseDnsSearch);
  const cgroupRules = eachFlag(v['device-cgroup-rule'], 'device-cgroup-rule', checkDeviceCgroupRule);
  const sysctls = eachFlag(v.sysctl, 'sysctl', parseSysctl);
  const ulimits: Ulimit[] = parseUlimits(v.ulimit ?? [], (u) =>
    flagValue(u, flagLabel('ulimit'), parseUlimit),
  );
  const mounts = eachFlag(v.mount, 'mount', (m) => parseMountFlag(m, host.cwd));
  const links = eachFlag(v.link, 'link', validateLinkFlag);
  const ip = oneFlag(v.ip, 'ip', (x) => parseIpFlag(x, 4));
  const ip6 = oneFlag(v.ip6, 'ip6', (x) => parseIpFlag(x, 6));
  const memory = bytes(v.memory, 'memory');
  const memoryReservation = bytes(v['memory-reservation'], 'memory-reservation');
  const shmSize = bytes(v['shm-size'], 'shm-size');
  const memorySwap = oneFlag(v['memory-swap'], 'memory-swap', (s) => (s === '-1' ? -1 : ramInBytes(s)));
  const nanoCpus = oneFlag(v.cpus, 'cpus', parseCpus);
  const blkioWeight = oneFlag(v['blkio-weight'], 'blkio-weight', (s) => parseGoUint(s, 16));
  const health = {
    interval: duration(v['health-interval'], 'health-interval'),
    timeout: duration(v['health-timeout'], 'health-timeout'),
    startPeriod: duration(v['health-start-period'], 'health-start-period'),
    startInterval: duration(v['health-start-interval'], 'health-start-interval'),
  };
  const networks = [...(v.network ?? []), ...(v.net ?? [])];

  const pull = pullPolicy(v.pull);

  // Then the checks Docker's CLI makes of the whole set.
  const swappiness = v['memory-swappiness'];
  if (swappiness !== undefined && swappiness !== -1 && (swappiness < 0 || swappiness > 100)) {
    throw invalid(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);
  }
  const { binds, volumes } = step(() => parseVolumeFlags(v.volume ?? [], host.cwd));
  const tmpfs = step(() => parseTmpfsFlags(v.tmpfs ?? []));
  const published = step(() => parsePublish(v.publish ?? []));
  const exposed = { ...published.exposed };
  for (const e of v.expose ?? []) for (const p of step(() => parseExpose(e))) exposed[p] = {};
  const devices = (v.device ?? []).map((d) => step(() => parseDevice(d)));
  const envEntries = [
    ...readEntries(v['env-file'] ?? [], readFile, (k) => env[k]).flatMap((e) =>
      e.value === undefined ? [] : [`${e.key}=${e.value}`],
    ),
    ...envFlags.filter((e): e is string => e !== undefined),
  ];
  const labels = toMap([
    ...readEntries(v['label-file'] ?? [], readFile).map((e) =>
      e.value === undefined ? e.key : `${e.key}=${e.value}`,
    ),
    ...labelFlags,
  ]);
  step(() =>
    checkNamespaceModes({ pid: v.pid, uts: v.uts, userns: v.userns, cgroupns: v.cgroupns, ipc: v.ipc }),
  );
  const restartPolicy = step(() => parseRestartPolicy(v.restart ?? 'no'));
  const logOpts = v['log-opt'] ?? [];
  if (v['log-driver'] === 'none' && logOpts.length) throw invalid('invalid logging opts for driver none');
  const security = step(() => parseSecurityOpts(v['security-opt'] ?? [], readFile));
  const healthcheck = step(() =>
    buildHealthcheck({
      cmd: v['health-cmd'],
      ...health,
      retries: v['health-retries'],
      disable: v['no-healthcheck'],
    }),
  );
  if (v.rm && !isNoRestart(restartPolicy)) {
    throw invalid('conflicting options: cannot specify both --restart and --rm');
  }
  for (const n of v.network ?? []) flagValue(n, flagLabel('network'), parseNetworkFlag);
  for (const n of v.net ?? []) flagValue(n, flagLabel('net'), parseNetworkFlag);
  const network = step(() =>
    buildNetworkSettings({
      networks,
      aliases: [...(v['network-alias'] ?? []), ...(v['net-alias'] ?? [])],
      ip,
      ip6,
      links,
    }),
  );

  // Stdio: -i keeps stdin open; -a picks streams (stdout and stderr by default).
  const interactive = v.interactive ?? false;
  const tty = v.tty ?? false;
  let attachStdin = attachFlags.includes('stdin') || interactive;
  let attachStdout = attachFlags.length === 0 || attachFlags.includes('stdout');
  let attachStderr = attachFlags.length === 0 || attachFlags.includes('stderr');
  let stdinOnce = interactive && attachStdin;
  const detach = v.detach ?? false;
  if (detach) {
    if (attachFlags.length) throw invalid('conflicting options: cannot specify both --attach and --detach');
    attachStdin = attachStdout = attachStderr = stdinOnce = false;
  }

  const warnings = dns.filter(isLoopbackIp).map((d) => `Localhost DNS (${d}) may fail in containers.`);

  const config: ContainerConfig = compact({
    Hostname: v.hostname || undefined,
    Domainname: v.domainname || undefined,
    User: v.user || undefined,
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    ExposedPorts: hasKeys(exposed) ? exposed : undefined,
    Tty: tty,
    OpenStdin: interactive,
    StdinOnce: stdinOnce,
    Env: nonEmpty(envEntries),
    Cmd: cmd.length ? cmd : undefined,
    Healthcheck: healthcheck,
    Image: image,
    Volumes: hasKeys(volumes) ? volumes : undefined,
    WorkingDir: v.workdir || undefined,
    Entrypoint: v.entrypoint === undefined ? undefined : [v.entrypoint],
    Labels: hasKeys(labels) ? labels : undefined,
    StopSignal: v['stop-signal'] || undefined,
    StopTimeout: v['stop-timeout'],
  });
  if (config.WorkingDir !== undefined && !config.WorkingDir.startsWith('/')) {
    throw invalid(`the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`);
  }

  const hostConfig: ContainerRequest['HostConfig'] = compact({
    Binds: nonEmpty(binds),
    ContainerIDFile: v.cidfile || undefined,
    LogConfig:
      v['log-driver'] || logOpts.length
        ? compact({ Type: v['log-driver'] || undefined, Config: logOpts.length ? toMap(logOpts) : undefined })
        : undefined,
    NetworkMode: network.networkMode,
    PortBindings: hasKeys(published.bindings) ? published.bindings : undefined,
    RestartPolicy: restartPolicy,
    AutoRemove: v.rm || undefined,
    VolumesFrom: nonEmpty([...(v['volumes-from'] ?? [])]),
    Mounts: nonEmpty(mounts),
    CapAdd: nonEmpty(normalizeCapabilities(v['cap-add'] ?? [])),
    CapDrop: nonEmpty(normalizeCapabilities(v['cap-drop'] ?? [])),
    CgroupnsMode: (v.cgroupns || undefined) as HostConfig['CgroupnsMode'],
    Dns: nonEmpty(dns),
    DnsOptions: nonEmpty([...(v['dns-option'] ?? []), ...(v['dns-opt'] ?? [])]),
    DnsSearch: nonEmpty(dnsSearch),
    ExtraHosts: nonEmpty(extraHosts),
    GroupAdd: nonEmpty([...(v['group-add'] ?? [])]),
    IpcMode: v.ipc || undefined,
    Links: nonEmpty(links),
    OomScoreAdj: v['oom-score-adj'] || undefined,
    PidMode: v.pid || undefined,
    Privileged: v.privileged || undefined,
    PublishAllPorts: v['publish-all'] || undefined,
    ReadonlyRootfs: v['read-only'] || undefined,
    SecurityOpt: nonEmpty(security.securityOpt),
    Tmpfs: hasKeys(tmpfs) ? tmpfs : undefined,
    UTSMode: v.uts || undefined,
    UsernsMode: v.userns || undefined,
    ShmSize: shmSize || undefined,
    Sysctls: sysctls.length ? Object.fromEntries(sysctls) : undefined,
    Runtime: v.runtime || undefined,
    CpuShares: v['cpu-shares'] || undefined,
    Memory: memory || undefined,
    NanoCpus: nanoCpus || undefined,
    CgroupParent: v['cgroup-parent'] || undefined,
    BlkioWeight: blkioWeight || undefined,
    CpuPeriod: v['cpu-period'] || undefined,
    CpuQuota: v['cpu-quota'] || undefined,
    CpusetCpus: v['cpuset-cpus'] || undefined,
    CpusetMems: v['cpuset-mems'] || undefined,
    Devices: nonEmpty(devices),
    DeviceCgroupRules: nonEmpty(cgroupRules),
    MemoryReservation: memoryReservation || undefined,
    MemorySwap: memorySwap || undefined,
    MemorySwappiness: swappiness === undefined || swappiness === -1 ? undefined : swappiness,
    OomKillDisable: v['oom-kill-disable'] || undefined,
    PidsLimit: v['pids-limit'] || undefined,
    Ulimits: nonEmpty(ulimits),
    Init: v.init,
    MaskedPaths: security.unmaskPaths ? [] : undefined,
    ReadonlyPaths: security.unmaskPaths ? [] : undefined,
  });
  step(() => validateResources(hostConfig, host.cpus));

  const name = v.name || undefined;
  if (name !== undefined && !CONTAINER_NAME.test(name)) {
    throw invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }

  const request: ContainerRequest = { ...config, HostConfig: hostConfig };
  if (hasKeys(network.endpoints)) request.NetworkingConfig = { EndpointsConfig: network.endpoints };
  const attach: AttachStream[] = [];
  if (attachStdin) attach.push('stdin');
  if (attachStdout) attach.push('stdout');
  if (attachStderr) attach.push('stderr');
  return compact({
    request,
    name,
    platform: v.platform || undefined,
    pull,
    quiet: v.quiet ?? false,
    detach,
    detachKeys: v['detach-keys'] || undefined,
    attach,
    tty,
    sigProxy: v['sig-proxy'] ?? true,
    autoRemove: v.rm ?? false,
    cidfile: v.cidfile || undefined,
    warnings,
  });
}
