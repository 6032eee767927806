// The host's side of network tests: its tools, interfaces, addresses and routes, IPv4
// arithmetic for checking them against subnets, and removing the firewall rules a test's
// bridge left (the default bridge network's rules outlive its daemon, as docker0's do).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cleanEnv, run } from './berth.ts';

/** A host tool by name, looked up on PATH and in the sbin folders root's PATH may lack. */
export function tool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  return dirs.map((d) => join(d, name)).find((p) => p.startsWith('/') && existsSync(p));
}

/** Run a host tool; its stdout, or the test fails with what it said. */
export async function host(name: string, ...args: string[]): Promise<string> {
  const r = await run(tool(name) as string, args, { env: cleanEnv() });
  assert.equal(r.code, 0, `${name} ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

export const ipNumber = (ip: string): number => ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);

function range(cidr: string): [number, number] {
  const [base, bits = '32'] = cidr.split('/') as [string, string?];
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipNumber(base) / size) * size;
  return [start, start + size];
}

export function inSubnet(ip: string, cidr: string): boolean {
  const [start, end] = range(cidr);
  return /^\d+\.\d+\.\d+\.\d+$/.test(ip) && ipNumber(ip) >= start && ipNumber(ip) < end;
}

export function overlaps(a: string, b: string): boolean {
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 < b1 && b0 < a1;
}

/** The subnets of the host's IPv4 routes (every table, default routes left out) and addresses. */
export async function hostCidrs(): Promise<string[]> {
  const out: string[] = [];
  for (const line of (await host('ip', '-4', 'route', 'show', 'table', 'all')).split('\n')) {
    const dest = /^(?:\S+\s+)?(\d+\.\d+\.\d+\.\d+(?:\/\d+)?)\s/.exec(line)?.[1];
    if (dest) out.push(dest);
  }
  for (const line of (await host('ip', '-o', '-4', 'addr')).split('\n')) {
    const cidr = /\sinet (\d+\.\d+\.\d+\.\d+\/\d+)/.exec(line)?.[1];
    if (cidr) out.push(cidr);
  }
  return out;
}

/** Split an iptables-save rule into arguments (double quotes group, backslash escapes). */
export function ruleArgs(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (c === '"') {
      quoted = !quoted;
      has = true;
    } else if (c === ' ' && !quoted) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** Delete the rules that name one of `patterns` (a test's bridge and subnet), for each iptables flavour. */
export async function deleteRulesNaming(patterns: readonly RegExp[]): Promise<void> {
  for (const [save, cmd] of [
    ['iptables-save', 'iptables'],
    ['iptables-legacy-save', 'iptables-legacy'],
  ] as const) {
    if (!tool(save) || !tool(cmd)) continue;
    const r = await run(tool(save) as string, [], { env: cleanEnv() });
    if (r.code !== 0) continue;
    let table = 'filter';
    for (const line of r.stdout.split('\n')) {
      if (line.startsWith('*')) table = line.slice(1).trim();
      if (!line.startsWith('-A ') || !patterns.some((p) => p.test(line))) continue;
      await run(tool(cmd) as string, ['-t', table, '-D', ...ruleArgs(line).slice(1)], { env: cleanEnv() });
    }
  }
}
