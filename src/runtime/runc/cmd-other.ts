// state, list, ps, exec, pause, resume, update, spec, features.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BerthError, invalidArgument } from '../../util/errors.ts';
import { detectCgroups } from '../cgroups/detect.ts';
import { runcSpec } from '../spec/defaults.ts';
import type { Process } from '../spec/types.ts';
import { containerId, flagBool, flagList, flagValue, parseFlags } from './args.ts';
import type { Cli } from './cli.ts';
import { features } from './features.ts';
import { resourcesFromFlags } from './resources-flags.ts';

const readStdin = (): string => readFileSync(0, 'utf8');

export async function cmdState(cli: Cli, argv: string[]): Promise<number> {
  const id = containerId(parseFlags(argv, [], 'state'), 'state');
  process.stdout.write(`${JSON.stringify(await cli.runtime.state(id), null, '  ')}\n`);
  return 0;
}

function table(rows: string[][]): string {
  // runc's tabwriter: columns at least 12 wide, 3 spaces of padding
  const widths = rows[0].map((_, c) => Math.max(12, ...rows.map((r) => r[c].length + 3)));
  return rows
    .map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join(''))
    .join('\n');
}

export async function cmdList(cli: Cli, argv: string[]): Promise<number> {
  const p = parseFlags(
    argv,
    [
      { name: 'quiet', short: 'q' },
      { name: 'format', short: 'f', value: true },
    ],
    'list',
  );
  const all = await cli.runtime.list();
  if (flagBool(p, 'quiet')) {
    for (const s of all) process.stdout.write(`${s.id}\n`);
    return 0;
  }
  const format = flagValue(p, 'format') ?? 'table';
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(all.length ? all : null)}\n`);
    return 0;
  }
  if (format !== 'table') throw invalidArgument(`list: invalid format option "${format}"; use table or json`);
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
  for (const s of all)
    rows.push([s.id, String(s.pid ?? 0), s.status, s.bundle, s.created, s.owner || 'root']);
  process.stdout.write(`${table(rows)}\n`);
  return 0;
}

export async function cmdPs(cli: Cli, argv: string[]): Promise<number> {
  const p = parseFlags(argv, [{ name: 'format', short: 'f', value: true }], 'ps');
  const id = containerId(p, 'ps', Number.POSITIVE_INFINITY);
  const pids = await cli.runtime.pids(id);
  const format = flagValue(p, 'format') ?? 'table';
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(pids)}\n`);
    return 0;
  }
  if (format !== 'table') throw invalidArgument(`ps: invalid format option "${format}"; use table or json`);
  const psArgs = p.rest.length > 1 ? p.rest.slice(1) : ['-ef'];
  const out = execFileSync('ps', psArgs, { encoding: 'utf8' }).split('\n');
  const col = out[0].trim().split(/\s+/).indexOf('PID');
  if (col < 0) throw invalidArgument(`ps: the output of ps ${psArgs.join(' ')} has no PID column`);
  const lines = [out[0]];
  for (const line of out.slice(1)) {
    const pid = Number(line.trim().split(/\s+/)[col]);
    if (pids.includes(pid)) lines.push(line);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export async function cmdExec(cli: Cli, argv: string[]): Promise<number> {
  const p = parseFlags(
    argv,
    [
      { name: 'process', short: 'p', value: true },
      { name: 'tty', short: 't' },
      { name: 'console-socket', value: true },
      { name: 'detach', short: 'd' },
      { name: 'pid-file', value: true },
      { name: 'cwd', value: true },
      { name: 'env', short: 'e', value: true, multi: true },
      { name: 'user', short: 'u', value: true },
      { name: 'additional-gids', short: 'g', value: true, multi: true },
      { name: 'cap', short: 'c', value: true, multi: true },
      { name: 'no-new-privs' },
      { name: 'apparmor', value: true },
      { name: 'process-label', value: true },
      { name: 'preserve-fds', value: true },
      { name: 'ignore-paused' },
      { name: 'cgroup', value: true, multi: true },
    ],
    'exec',
  );
  const id = p.rest[0];
  if (!id)
    throw invalidArgument(
      'exec: requires a container id: berth-runc exec [options] <container-id> <command> [args...]',
    );
  const rt = cli.runtime;
  let proc: Process;
  const file = flagValue(p, 'process');
  if (file) {
    try {
      proc = JSON.parse(file === '-' ? readStdin() : readFileSync(file, 'utf8')) as Process;
    } catch (e) {
      throw invalidArgument(`exec: --process ${file}: ${(e as Error).message}`);
    }
  } else {
    const args = p.rest.slice(1);
    if (!args.length)
      throw invalidArgument('exec: name the command to run after the container id (or give --process)');
    const base = rt.savedSpec(id).process ?? { cwd: '/' };
    proc = { ...base, args, terminal: flagBool(p, 'tty') };
    proc.env = [...(base.env ?? []), ...flagList(p, 'env')];
    if (flagValue(p, 'cwd')) proc.cwd = flagValue(p, 'cwd')!;
    const user = flagValue(p, 'user');
    if (user) {
      const [u, g] = user.split(':');
      if (!/^\d+$/.test(u) || (g !== undefined && !/^\d+$/.test(g))) {
        throw invalidArgument(`exec: --user "${user}": give numeric uid[:gid]`);
      }
      proc.user = {
        ...(proc.user ?? {}),
        uid: Number(u),
        gid: g === undefined ? (proc.user?.gid ?? 0) : Number(g),
      };
    }
    const gids = flagList(p, 'additional-gids').map(Number);
    if (gids.length) proc.user = { ...(proc.user ?? {}), additionalGids: gids };
    const caps = flagList(p, 'cap');
    if (caps.length && proc.capabilities) {
      const add = (l?: string[]) => [...new Set([...(l ?? []), ...caps])];
      proc.capabilities = {
        ...proc.capabilities,
        bounding: add(proc.capabilities.bounding),
        effective: add(proc.capabilities.effective),
        permitted: add(proc.capabilities.permitted),
      };
    }
    if (flagBool(p, 'no-new-privs')) proc.noNewPrivileges = true;
  }
  const detach = flagBool(p, 'detach');
  const consoleSocket = flagValue(p, 'console-socket');
  if (proc.terminal && detach && !consoleSocket) {
    throw invalidArgument('cannot allocate tty if berth-runc will detach without setting console socket');
  }
  const pidFile = flagValue(p, 'pid-file');
  const running = await rt.exec(id, proc, {
    detach,
    consoleSocket: consoleSocket ? resolve(consoleSocket) : undefined,
    pidFile: pidFile ? resolve(pidFile) : undefined,
    stdio: 'inherit',
  });
  if (detach) return 0;
  return (await running.wait()).exitCode;
}

export async function cmdPause(cli: Cli, argv: string[]): Promise<number> {
  await cli.runtime.pause(containerId(parseFlags(argv, [], 'pause'), 'pause'));
  return 0;
}

export async function cmdResume(cli: Cli, argv: string[]): Promise<number> {
  await cli.runtime.resume(containerId(parseFlags(argv, [], 'resume'), 'resume'));
  return 0;
}

export async function cmdUpdate(cli: Cli, argv: string[]): Promise<number> {
  const names = [
    'memory',
    'memory-swap',
    'memory-reservation',
    'kernel-memory',
    'kernel-memory-tcp',
    'cpu-shares',
    'cpu-quota',
    'cpu-period',
    'cpu-rt-period',
    'cpu-rt-runtime',
    'cpuset-cpus',
    'cpuset-mems',
    'pids-limit',
    'blkio-weight',
    'l3-cache-schema',
    'mem-bw-schema',
  ];
  const p = parseFlags(
    argv,
    [...names.map((name) => ({ name, value: true })), { name: 'resources', short: 'r', value: true }],
    'update',
  );
  const id = containerId(p, 'update');
  await cli.runtime.update(id, resourcesFromFlags(p, readStdin));
  return 0;
}

export async function cmdSpec(_cli: Cli, argv: string[]): Promise<number> {
  const p = parseFlags(argv, [{ name: 'bundle', short: 'b', value: true }, { name: 'rootless' }], 'spec');
  if (flagBool(p, 'rootless')) {
    throw new BerthError(
      'NotImplemented',
      'spec: --rootless is not supported: berth-runc runs containers as root only',
    );
  }
  const dir = resolve(flagValue(p, 'bundle') ?? '.');
  const file = join(dir, 'config.json');
  if (existsSync(file)) throw new BerthError('AlreadyExists', `File ${file} exists. Remove it first`);
  writeFileSync(file, `${JSON.stringify(runcSpec(), null, '\t')}\n`, { mode: 0o666 });
  return 0;
}

export async function cmdFeatures(_cli: Cli, argv: string[]): Promise<number> {
  parseFlags(argv, [], 'features');
  const layout = await detectCgroups();
  const doc = features({ v1: layout.v1.length > 0, v2: !!layout.unified });
  process.stdout.write(`${JSON.stringify(doc, null, '    ')}\n`);
  return 0;
}
