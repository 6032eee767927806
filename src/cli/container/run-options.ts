// The options of `berth run` and `berth create`: Docker's names, short forms and
// help. Value types Docker shows (bytes, duration, decimal...) are parsed as
// strings by the option parser and read by buildCreateRequest, which gives
// Docker's messages for bad values. `--net`, `--net-alias` and `--dns-opt` are
// Docker's hidden aliases of `--network`, `--network-alias` and `--dns-option`.
import type { OptionSpec, OptionSpecs } from '../args.ts';

interface ListSpec extends OptionSpec {
  readonly type: 'string';
  readonly multiple: true;
}
interface StringSpec extends OptionSpec {
  readonly type: 'string';
}
interface IntSpec extends OptionSpec {
  readonly type: 'int';
}
interface BoolSpec extends OptionSpec {
  readonly type: 'boolean';
}

const list = (help: string, valueName?: string, short?: string): ListSpec => ({
  type: 'string',
  multiple: true,
  help,
  ...(valueName ? { valueName } : {}),
  ...(short ? { short } : {}),
});
const str = (help: string, valueName = 'string', short?: string): StringSpec => ({
  type: 'string',
  help,
  valueName,
  ...(short ? { short } : {}),
});
const int = (help: string, short?: string): IntSpec => ({ type: 'int', help, ...(short ? { short } : {}) });
const bool = (help: string, short?: string): BoolSpec => ({
  type: 'boolean',
  help,
  ...(short ? { short } : {}),
});

const CGROUPNS_HELP = `Cgroup namespace to use (host|private)
'host':    Run the container in the Docker host's cgroup namespace
'private': Run the container in its own private cgroup namespace
'':        Use the cgroup namespace as configured by the
           default-cgroupns-mode option on the daemon (default)`;

/** Options `run` and `create` share. */
export const CREATE_OPTIONS = {
  'add-host': list('Add a custom host-to-IP mapping (host:ip)'),
  attach: list('Attach to STDIN, STDOUT or STDERR', undefined, 'a'),
  'blkio-weight': str(
    'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)',
    'uint16',
  ),
  'cap-add': list('Add Linux capabilities'),
  'cap-drop': list('Drop Linux capabilities'),
  'cgroup-parent': str('Optional parent cgroup for the container'),
  cgroupns: str(CGROUPNS_HELP),
  cidfile: str('Write the container ID to the file'),
  'cpu-period': int('Limit CPU CFS (Completely Fair Scheduler) period'),
  'cpu-quota': int('Limit CPU CFS (Completely Fair Scheduler) quota'),
  'cpu-shares': int('CPU shares (relative weight)', 'c'),
  cpus: str('Number of CPUs', 'decimal'),
  'cpuset-cpus': str('CPUs in which to allow execution (0-3, 0,1)'),
  'cpuset-mems': str('MEMs in which to allow execution (0-3, 0,1)'),
  device: list('Add a host device to the container'),
  'device-cgroup-rule': list('Add a rule to the cgroup allowed devices list'),
  dns: list('Set custom DNS servers'),
  'dns-option': list('Set DNS options'),
  'dns-opt': { ...list('Set DNS options'), hidden: true },
  'dns-search': list('Set custom DNS search domains'),
  domainname: str('Container NIS domain name'),
  entrypoint: str('Overwrite the default ENTRYPOINT of the image'),
  env: list('Set environment variables', undefined, 'e'),
  'env-file': list('Read in a file of environment variables'),
  expose: list('Expose a port or a range of ports'),
  'group-add': list('Add additional groups to join'),
  'health-cmd': str('Command to run to check health'),
  'health-interval': str('Time between running the check (ms|s|m|h) (default 0s)', 'duration'),
  'health-retries': int('Consecutive failures needed to report unhealthy'),
  'health-start-interval': str(
    'Time between running the check during the start period (ms|s|m|h) (default 0s)',
    'duration',
  ),
  'health-start-period': str(
    'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)',
    'duration',
  ),
  'health-timeout': str('Maximum time to allow one check to run (ms|s|m|h) (default 0s)', 'duration'),
  hostname: str('Container host name', 'string', 'h'),
  init: bool('Run an init inside the container that forwards signals and reaps processes'),
  interactive: bool('Keep STDIN open even if not attached', 'i'),
  ip: str('IPv4 address (e.g., 172.30.100.104)'),
  ip6: str('IPv6 address (e.g., 2001:db8::33)'),
  ipc: str('IPC mode to use'),
  label: list('Set meta data on a container', undefined, 'l'),
  'label-file': list('Read in a line delimited file of labels'),
  link: list('Add link to another container'),
  'log-driver': str('Logging driver for the container'),
  'log-opt': list('Log driver options'),
  memory: str('Memory limit', 'bytes', 'm'),
  'memory-reservation': str('Memory soft limit', 'bytes'),
  'memory-swap': str("Swap limit equal to memory plus swap: '-1' to enable unlimited swap", 'bytes'),
  'memory-swappiness': int('Tune container memory swappiness (0 to 100) (default -1)'),
  mount: list('Attach a filesystem mount to the container', 'mount'),
  name: str('Assign a name to the container'),
  network: list('Connect a container to a network', 'network'),
  net: { ...list('Connect a container to a network', 'network'), hidden: true },
  'network-alias': list('Add network-scoped alias for the container'),
  'net-alias': { ...list('Add network-scoped alias for the container'), hidden: true },
  'no-healthcheck': bool('Disable any container-specified HEALTHCHECK'),
  'oom-kill-disable': bool('Disable OOM Killer'),
  'oom-score-adj': int("Tune host's OOM preferences (-1000 to 1000)"),
  pid: str('PID namespace to use'),
  'pids-limit': int('Tune container pids limit (set -1 for unlimited)'),
  platform: str('Set platform if server is multi-platform capable'),
  privileged: bool('Give extended privileges to this container'),
  publish: list("Publish a container's port(s) to the host", undefined, 'p'),
  'publish-all': bool('Publish all exposed ports to random ports', 'P'),
  pull: str('Pull image before creating ("always", "missing", "never") (default "missing")'),
  quiet: bool('Suppress the pull output', 'q'),
  'read-only': bool("Mount the container's root filesystem as read only"),
  restart: str('Restart policy to apply when a container exits (default "no")'),
  rm: bool('Automatically remove the container and its associated anonymous volumes when it exits'),
  runtime: str('Runtime to use for this container'),
  'security-opt': list('Security Options'),
  'shm-size': str('Size of /dev/shm', 'bytes'),
  'stop-signal': str('Signal to stop the container'),
  'stop-timeout': int('Timeout (in seconds) to stop a container'),
  sysctl: list('Sysctl options (default map[])', 'map'),
  tmpfs: list('Mount a tmpfs directory'),
  tty: bool('Allocate a pseudo-TTY', 't'),
  ulimit: list('Ulimit options (default [])', 'ulimit'),
  user: str('Username or UID (format: <name|uid>[:<group|gid>])', 'string', 'u'),
  userns: str('User namespace to use'),
  uts: str('UTS namespace to use'),
  volume: list('Bind mount a volume', undefined, 'v'),
  'volumes-from': list('Mount volumes from the specified container(s)'),
  workdir: str('Working directory inside the container', 'string', 'w'),
} as const satisfies OptionSpecs;

/** `run`'s options: `create`'s and those of a run in the foreground or background. */
export const RUN_OPTIONS = {
  ...CREATE_OPTIONS,
  detach: bool('Run container in background and print container ID', 'd'),
  'detach-keys': str('Override the key sequence for detaching a container'),
  pull: str('Pull image before running ("always", "missing", "never") (default "missing")'),
  'sig-proxy': bool('Proxy received signals to the process (default true)'),
} as const satisfies OptionSpecs;

export type RunOptionName = keyof typeof RUN_OPTIONS;

/** How Docker names a flag in its messages: `-m, --memory` or `--cpus`. */
export function flagLabel(name: RunOptionName): string {
  const spec: OptionSpec = RUN_OPTIONS[name];
  return spec.short ? `-${spec.short}, --${name}` : `--${name}`;
}
