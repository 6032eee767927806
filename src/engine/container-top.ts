// `top`: a running container's processes as the host's `ps` shows them, as dockerd
// does it: `ps` runs on the host with the user's options (default -ef), asked for only
// the container's pids (-q) where ps allows that together with those options, and the
// rows whose PID column holds one of the container's pids are kept (with the thread
// rows under them, for `-m`-style options).
import { spawn } from 'node:child_process';
import { BerthError, conflict, invalidArgument } from '../util/errors.ts';
import type { ContainerService } from './container-service.ts';

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** Docker refuses options that would rename the PID column to something else. */
export function checkPsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/\s+([^\s]*)=\s*(PID[^\s]*)/g)) {
    if (m[1] !== 'pid') throw invalidArgument(`specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

// ASCII whitespace only: a Unicode space inside a command's name stays part of it.
const fields = (line: string) => line.split(/[ \t\n\v\f\r]+/).filter(Boolean);

/** Keep the rows of `ps` output that belong to `pids`; the last column takes the rest of the line. */
export function parsePsOutput(output: string, pids: readonly number[]): TopResult {
  const lines = output.split('\n');
  const Titles = fields(lines[0] ?? '');
  const pidIndex = Titles.indexOf('PID');
  if (pidIndex < 0) throw new BerthError('Internal', "Couldn't find PID field in ps output");
  const row = (f: string[]) => [...f.slice(0, Titles.length - 1), f.slice(Titles.length - 1).join(' ')];
  const Processes: string[][] = [];
  let inContainer = false;
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const f = fields(line);
    if (f[pidIndex] === '-') {
      // a thread row (ps -m): it belongs to the process row above it
      if (inContainer) Processes.push(row(f));
      continue;
    }
    const pid = Number(f[pidIndex]);
    if (!Number.isInteger(pid)) throw new BerthError('Internal', `Unexpected pid '${f[pidIndex]}'`);
    inContainer = pids.includes(pid);
    if (inContainer) Processes.push(row(f));
  }
  return { Titles, Processes };
}

function ps(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ps', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (e) => reject(new BerthError('Internal', `ps: ${e.message}`)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `GET /containers/{id}/top?ps_args=`. */
export async function containerTop(
  containers: ContainerService,
  ref: string,
  psArgs = '',
): Promise<TopResult> {
  const args = psArgs.trim() === '' ? '-ef' : psArgs;
  checkPsArgs(args);
  const record = containers.resolve(ref);
  if (record.state.Status === 'restarting')
    throw conflict(`container ${record.id} is restarting, wait until the container is running`);
  if (record.state.Status !== 'running' && record.state.Status !== 'paused')
    throw conflict(`container ${record.id} is not running`);
  const pids = await containers.runtime.pids(record.id);
  const argv = args.split(' ').filter(Boolean);
  let r = await ps([...argv, `-q${pids.join(',')}`]);
  // some options (f, for one) cannot go with -q: then ask for everything and filter
  if (r.code !== 0) r = await ps(argv);
  if (r.code !== 0) {
    const why = r.stderr.split('\n')[0] || `exit status ${r.code}`;
    throw new BerthError('Internal', `ps: ${why}`);
  }
  return parsePsOutput(r.stdout, pids);
}
