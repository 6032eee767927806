// berth's iptables rules. Every rule berth adds carries a comment naming its owner
// (`berth:net-<id>` for a network, `berth:ctr-<id>` for a container, `berth:base`
// for the jumps into berth's chains), so removing an owner's rules needs no memory of
// what was added: the owner's lines are read back from iptables-save, in the
// canonical form iptables prints, and deleted. Each change is one iptables-restore
// --noflush run (atomic per table), so a crash never leaves half an owner's rules;
// a rerun replaces them (delete, then add).
//
// The chains (berth's own; the built-in chains only get one jump each):
//   filter FORWARD     → BERTH-FORWARD: first BERTH-ISOLATION-1, then per network:
//                        replies and published ports into the bridge, anything out of it
//   BERTH-ISOLATION-1  a packet from one of berth's bridges to another interface goes on
//                        to BERTH-ISOLATION-2; an internal network's traffic that leaves
//                        or enters its bridge is dropped here
//   BERTH-ISOLATION-2  dropped when it is headed into another of berth's bridges
//   nat PREROUTING, OUTPUT (to a local address) → BERTH-DNAT: published ports
//   nat POSTROUTING    → BERTH-POSTROUTING: masquerade out of a network, of localhost
//                        into a bridge (a port published on 127.0.0.1), and hairpin
import { BerthError } from '../util/errors.ts';
import { execHost, runHost } from './host-command.ts';

export type Table = 'filter' | 'nat';

export interface Rule {
  table: Table;
  chain: string;
  /** The match and target, as iptables words: `-o br0 -j ACCEPT`. */
  spec: string;
}

const CHAINS: Record<Table, string[]> = {
  filter: ['BERTH-FORWARD', 'BERTH-ISOLATION-1', 'BERTH-ISOLATION-2'],
  nat: ['BERTH-DNAT', 'BERTH-POSTROUTING'],
};

/** The jumps from the built-in chains, inserted first in them. */
const BASE_JUMPS: Rule[] = [
  { table: 'filter', chain: 'FORWARD', spec: '-j BERTH-FORWARD' },
  { table: 'nat', chain: 'PREROUTING', spec: '-m addrtype --dst-type LOCAL -j BERTH-DNAT' },
  { table: 'nat', chain: 'OUTPUT', spec: '-m addrtype --dst-type LOCAL -j BERTH-DNAT' },
  { table: 'nat', chain: 'POSTROUTING', spec: '-j BERTH-POSTROUTING' },
];

const BASE_OWNER = 'base';
const OWNER = /^[a-z0-9-]{1,60}$/;
const tag = (owner: string) => `berth:${owner}`;
/** iptables-save prints the comment quoted: `-m comment --comment "berth:net-…"`. */
const hasTag = (line: string, owner: string) =>
  line.includes(`--comment "${tag(owner)}"`) || line.includes(`--comment ${tag(owner)} `);
const targetOf = (spec: string) => spec.slice(spec.lastIndexOf('-j ') + 3);

async function save(table: Table): Promise<string[]> {
  const text = await runHost('iptables-save', ['-t', table], { doing: `reading the ${table} table` });
  return text.split('\n');
}

async function restore(lines: Record<Table, string[]>, doing: string): Promise<void> {
  let input = '';
  for (const table of ['filter', 'nat'] as const) {
    if (lines[table].length) input += `*${table}\n${lines[table].join('\n')}\nCOMMIT\n`;
  }
  if (input) await runHost('iptables-restore', ['--noflush', '-w', '5'], { input, doing });
}

/**
 * berth's chains, each made once. Not declared in the restore input: `--noflush` empties a
 * declared chain that exists, so a daemon racing another would wipe its rules; `-N` of an
 * existing chain fails harmlessly instead.
 */
async function ensureChains(current: Record<Table, string[]>): Promise<void> {
  for (const table of ['filter', 'nat'] as const) {
    for (const chain of CHAINS[table]) {
      if (current[table].some((l) => l.startsWith(`:${chain} `))) continue;
      const r = await execHost('iptables', ['-w', '5', '-t', table, '-N', chain], {
        doing: `making chain ${chain}`,
      });
      if (r.code !== 0 && !/exists/i.test(r.stderr))
        throw new BerthError('Internal', `making the ${table} chain ${chain}: ${r.stderr.trim()}`);
    }
  }
}

/** The jumps into berth's chains that are missing, as restore lines. */
function missingJumps(current: Record<Table, string[]>): Record<Table, string[]> {
  const lines: Record<Table, string[]> = { filter: [], nat: [] };
  const ownerTag = tag(BASE_OWNER);
  for (const table of ['filter', 'nat'] as const) {
    const have = current[table];
    for (const j of BASE_JUMPS.filter((r) => r.table === table)) {
      const present = have.some(
        (l) =>
          l.startsWith(`-A ${j.chain} `) && hasTag(l, BASE_OWNER) && l.endsWith(`-j ${targetOf(j.spec)}`),
      );
      if (!present) lines[table].push(`-I ${j.chain} 1 ${j.spec} -m comment --comment ${ownerTag}`);
    }
  }
  if (!current.filter.some((l) => l.startsWith('-A BERTH-FORWARD ') && l.endsWith('-j BERTH-ISOLATION-1')))
    lines.filter.push(`-I BERTH-FORWARD 1 -j BERTH-ISOLATION-1 -m comment --comment ${ownerTag}`);
  return lines;
}

/** This process's changes, one at a time: each reads the tables and then writes them. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Make the owner's rules exactly `rules` (none: remove them), in one restore. An
 * owner's rules keep their order and go at the end of their chains: the chains are
 * laid out so that the order between owners does not matter.
 */
export function setOwnerRules(owner: string, rules: readonly Rule[]): Promise<void> {
  if (!OWNER.test(owner)) return Promise.reject(new BerthError('Internal', `bad firewall owner ${owner}`));
  const run = queue.then(() => replaceOwnerRules(owner, rules));
  queue = run.catch(() => {});
  return run;
}

async function replaceOwnerRules(owner: string, rules: readonly Rule[]): Promise<void> {
  let current = { filter: await save('filter'), nat: await save('nat') };
  const hasChain = (table: Table, chain: string) => current[table].some((l) => l.startsWith(`:${chain} `));
  if (!CHAINS.filter.every((c) => hasChain('filter', c)) || !CHAINS.nat.every((c) => hasChain('nat', c))) {
    await ensureChains(current);
    current = { filter: await save('filter'), nat: await save('nat') };
  }
  const base = missingJumps(current);
  const lines: Record<Table, string[]> = { filter: [...base.filter], nat: [...base.nat] };
  const ownerTag = tag(owner);
  for (const table of ['filter', 'nat'] as const) {
    for (const l of current[table]) {
      if (l.startsWith('-A ') && hasTag(l, owner)) lines[table].push(`-D ${l.slice(3)}`);
    }
  }
  for (const r of rules) lines[r.table].push(`-A ${r.chain} ${r.spec} -m comment --comment ${ownerTag}`);
  await restore(
    lines,
    rules.length ? `setting the firewall rules of ${owner}` : `removing the firewall rules of ${owner}`,
  );
}
