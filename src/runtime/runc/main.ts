// berth-runc: berth's OCI runtime as a runc-compatible command, for engines that drive
// runc (dockerd through containerd, podman through conmon). Verbs, flags, output and
// exit codes follow runc; errors print one line on stderr and exit 1.
import { BerthError } from '../../util/errors.ts';
import { flagBool, flagValue, parseFlags } from './args.ts';
import { BerthRuntime } from './berth-runtime.ts';
import type { Cli } from './cli.ts';
import { cmdCreate, cmdDelete, cmdKill, cmdRun, cmdStart } from './cmd-lifecycle.ts';
import {
  cmdExec,
  cmdFeatures,
  cmdList,
  cmdPause,
  cmdPs,
  cmdResume,
  cmdSpec,
  cmdState,
  cmdUpdate,
} from './cmd-other.ts';
import { Logger } from './log.ts';

declare const __BERTH_GIT_COMMIT__: string | undefined;

const VERBS: Record<string, (cli: Cli, argv: string[]) => Promise<number>> = {
  create: cmdCreate,
  start: cmdStart,
  run: cmdRun,
  kill: cmdKill,
  delete: cmdDelete,
  state: cmdState,
  list: cmdList,
  ps: cmdPs,
  exec: cmdExec,
  pause: cmdPause,
  resume: cmdResume,
  update: cmdUpdate,
  spec: cmdSpec,
  features: cmdFeatures,
};

const GLOBAL_FLAGS = [
  { name: 'root', value: true },
  { name: 'log', value: true },
  { name: 'log-format', value: true },
  { name: 'debug' },
  { name: 'systemd-cgroup' },
  { name: 'criu', value: true },
  { name: 'rootless', value: true },
  { name: 'version', short: 'v' },
  { name: 'help', short: 'h' },
];

const USAGE = `usage: berth-runc [global options] command [command options] [arguments...]

commands: create, start, run, state, kill, delete, exec, list, ps, pause, resume, update, spec, features
global options: --root DIR (default /run/berth-runc), --log FILE, --log-format text|json, --debug, --version
`;

function version(): string {
  const commit = typeof __BERTH_GIT_COMMIT__ === 'string' ? __BERTH_GIT_COMMIT__ : 'unknown';
  return `berth-runc version 0.1.0\ncommit: ${commit}\nspec: 1.2.0\n`;
}

export async function main(argv: string[]): Promise<number> {
  let log = new Logger(undefined, 'text', false);
  try {
    const g = parseFlags(argv, GLOBAL_FLAGS, 'berth-runc');
    const format = flagValue(g, 'log-format') ?? 'text';
    if (format !== 'text' && format !== 'json') {
      throw new BerthError('InvalidArgument', `invalid log-format "${format}"; use text or json`);
    }
    log = new Logger(flagValue(g, 'log'), format, flagBool(g, 'debug'));
    if (flagBool(g, 'version')) {
      process.stdout.write(version());
      return 0;
    }
    const [verb0, ...rest] = g.rest;
    if (flagBool(g, 'help') || !verb0 || verb0 === 'help') {
      process.stdout.write(USAGE);
      return verb0 || flagBool(g, 'help') ? 0 : 1;
    }
    if (flagBool(g, 'systemd-cgroup')) {
      throw new BerthError('NotImplemented', 'systemd cgroup driver is not supported; use cgroupfs');
    }
    if (flagValue(g, 'rootless') === 'true') {
      throw new BerthError('NotImplemented', 'rootless mode is not supported: run berth-runc as root');
    }
    const verb = verb0.replace(/-/g, '_');
    const run = VERBS[verb];
    if (!run) throw new BerthError('InvalidArgument', `No help topic for '${verb0}'\n${USAGE}`);
    const runtime = new BerthRuntime({ root: flagValue(g, 'root'), warn: (m) => log.warn(m) });
    log.debug(`${verb0} ${rest.join(' ')}`);
    return await run({ runtime, log }, rest);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    log.error(msg);
    process.stderr.write(`${msg}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
