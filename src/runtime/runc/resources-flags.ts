// `update`'s flags as OCI LinuxResources: sizes in Docker's units (100m = 100 MiB).
import { readFileSync } from 'node:fs';
import { invalidArgument } from '../../util/errors.ts';
import type { Resources } from '../spec/types.ts';
import { flagValue, type Parsed } from './args.ts';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

export function parseBytes(text: string, flag: string): number {
  if (text === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(text.trim()) ?? /^(\d+)(b)$/i.exec(text.trim());
  if (!m)
    throw invalidArgument(`update: --${flag}: invalid size "${text}" (e.g. 100m, 1g, -1 for unlimited)`);
  return Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

function int(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text)) throw invalidArgument(`update: --${flag}: "${text}" is not an integer`);
  return Number(text);
}

export function resourcesFromFlags(p: Parsed, stdin: () => string): Resources {
  const file = flagValue(p, 'resources');
  let r: Resources = {};
  if (file) {
    const text = file === '-' ? stdin() : readFileSync(file, 'utf8');
    try {
      r = JSON.parse(text) as Resources;
    } catch (e) {
      throw invalidArgument(`update: --resources ${file}: invalid JSON: ${(e as Error).message}`);
    }
  }
  const v = (n: string) => flagValue(p, n);
  const memory = { ...(r.memory ?? {}) };
  if (v('memory')) memory.limit = parseBytes(v('memory')!, 'memory');
  if (v('memory-swap')) memory.swap = parseBytes(v('memory-swap')!, 'memory-swap');
  if (v('memory-reservation'))
    memory.reservation = parseBytes(v('memory-reservation')!, 'memory-reservation');
  if (Object.keys(memory).length) r.memory = memory;
  const cpu = { ...(r.cpu ?? {}) };
  if (v('cpu-shares')) cpu.shares = int(v('cpu-shares')!, 'cpu-shares');
  if (v('cpu-quota')) cpu.quota = int(v('cpu-quota')!, 'cpu-quota');
  if (v('cpu-period')) cpu.period = int(v('cpu-period')!, 'cpu-period');
  if (v('cpuset-cpus')) cpu.cpus = v('cpuset-cpus');
  if (v('cpuset-mems')) cpu.mems = v('cpuset-mems');
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (v('pids-limit')) r.pids = { limit: int(v('pids-limit')!, 'pids-limit') };
  if (v('blkio-weight'))
    r.blockIO = { ...(r.blockIO ?? {}), weight: int(v('blkio-weight')!, 'blkio-weight') };
  return r;
}
