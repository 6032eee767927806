import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { isBerthError } from '../util/errors.ts';
import { type Rule, setOwnerRules } from './firewall.ts';

const hasTool = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const missing = ['iptables-save', 'iptables-restore', 'iptables', 'unshare'].find((t) => !hasTool(t));
const skip =
  process.getuid?.() !== 0 ? 'needs root' : missing ? `needs ${missing}, which is not installed` : false;

// The counts below must see only this file's changes, and other berth daemons on this
// host (other engineers' test runs) change berth's chains at the same time. So the file
// runs itself again in a network namespace of its own (`unshare --net`): it has its own
// iptables tables, empty at first, and they vanish with it. Its test report goes to the
// runner unchanged (same stdout, same arguments).
const ISOLATED = 'BERTH_FIREWALL_TEST_NETNS';
if (!skip && !process.env[ISOLATED]) {
  const r = spawnSync(
    'unshare',
    ['--net', '--', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, [ISOLATED]: '1' },
    },
  );
  process.exit(r.status ?? 1);
}

const hex = randomBytes(4).toString('hex');
const OWNER = `test-${hex}`;
/** Its name starts with OWNER's: removing OWNER must not take it. */
const OTHER = `${OWNER}-other`;
const IFACE = `bttest${hex}`; // no such interface: the rules match nothing
const RULES: Rule[] = [
  { table: 'filter', chain: 'BERTH-ISOLATION-2', spec: `-o ${IFACE} -j DROP` },
  { table: 'nat', chain: 'BERTH-POSTROUTING', spec: `-s 192.0.2.7/32 -o ${IFACE} -j MASQUERADE` },
];
const OTHER_RULES: Rule[] = [
  { table: 'filter', chain: 'BERTH-FORWARD', spec: `-i ${IFACE} -j ACCEPT` },
  { table: 'nat', chain: 'BERTH-POSTROUTING', spec: `-s 192.0.2.8/32 -o ${IFACE} -j MASQUERADE` },
];

const saved = (table?: 'filter' | 'nat') =>
  execFileSync('iptables-save', table ? ['-t', table] : [], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
const ruleLines = () => saved().filter((l) => l.startsWith('-A '));
const linesOf = (owner: string) => ruleLines().filter((l) => l.includes(`--comment "berth:${owner}"`));
const notOf = (owner: string) => ruleLines().filter((l) => !l.includes(`--comment "berth:${owner}"`));

describe('setOwnerRules (real iptables, own network namespace)', { skip }, () => {
  before(() => {
    // a rule berth did not make, in a built-in chain, before berth's first change
    execFileSync('iptables', ['-A', 'FORWARD', '-o', IFACE, '-j', 'ACCEPT']);
  });

  after(async () => {
    for (const o of [OWNER, OTHER, `${OWNER}-bad`, `${OWNER}-a`, `${OWNER}-b`])
      await setOwnerRules(o, []).catch(() => {});
  });

  it('adds the rules with a comment naming their owner, and the base chains and jumps', async () => {
    await setOwnerRules(OTHER, OTHER_RULES);
    await setOwnerRules(OWNER, RULES);
    const filter = saved('filter');
    const nat = saved('nat');
    assert.deepEqual(
      filter.filter((l) => l.includes(`berth:${OWNER}"`)),
      [`-A BERTH-ISOLATION-2 -o ${IFACE} -m comment --comment "berth:${OWNER}" -j DROP`],
    );
    assert.deepEqual(
      nat.filter((l) => l.includes(`berth:${OWNER}"`)),
      [
        `-A BERTH-POSTROUTING -s 192.0.2.7/32 -o ${IFACE} -m comment --comment "berth:${OWNER}" -j MASQUERADE`,
      ],
    );
    for (const chain of ['BERTH-FORWARD', 'BERTH-ISOLATION-1', 'BERTH-ISOLATION-2'])
      assert.equal(filter.filter((l) => l.startsWith(`:${chain} `)).length, 1, chain);
    for (const chain of ['BERTH-DNAT', 'BERTH-POSTROUTING'])
      assert.equal(nat.filter((l) => l.startsWith(`:${chain} `)).length, 1, chain);
    // the jump into berth's chain goes before what was there
    assert.equal(
      filter.find((l) => l.startsWith('-A FORWARD ')),
      '-A FORWARD -m comment --comment "berth:base" -j BERTH-FORWARD',
    );
    assert.equal(linesOf(OTHER).length, OTHER_RULES.length);
  });

  it('a second call replaces the rules, it does not append them', async () => {
    await setOwnerRules(OWNER, RULES);
    await setOwnerRules(OWNER, RULES);
    assert.equal(linesOf(OWNER).length, RULES.length, linesOf(OWNER).join('\n'));
    const changed: Rule[] = [{ table: 'filter', chain: 'BERTH-ISOLATION-2', spec: `-i ${IFACE} -j DROP` }];
    await setOwnerRules(OWNER, changed);
    assert.deepEqual(linesOf(OWNER), [
      `-A BERTH-ISOLATION-2 -i ${IFACE} -m comment --comment "berth:${OWNER}" -j DROP`,
    ]);
    await setOwnerRules(OWNER, RULES);
    assert.equal(linesOf(OWNER).length, RULES.length);
  });

  it('an empty list removes every line of the owner and nothing else', async () => {
    const others = notOf(OWNER);
    assert.ok(others.length > OTHER_RULES.length, 'there are other lines to keep');
    await setOwnerRules(OWNER, []);
    assert.deepEqual(linesOf(OWNER), []);
    assert.deepEqual(notOf(OWNER), others);
    assert.equal(linesOf(OTHER).length, OTHER_RULES.length);
    await setOwnerRules(OWNER, []); // nothing to remove: fine
    assert.deepEqual(notOf(OWNER), others);
  });

  it('the base chains and jumps exist exactly once after several calls', async () => {
    for (let i = 0; i < 3; i++) {
      await setOwnerRules(OWNER, RULES);
      await setOwnerRules(OWNER, []);
    }
    const jumps = ruleLines().filter((l) => l.includes('--comment "berth:base"'));
    const count = (chain: string, target: string) =>
      jumps.filter((l) => l.startsWith(`-A ${chain} `) && l.endsWith(`-j ${target}`)).length;
    assert.equal(count('FORWARD', 'BERTH-FORWARD'), 1);
    assert.equal(count('PREROUTING', 'BERTH-DNAT'), 1);
    assert.equal(count('OUTPUT', 'BERTH-DNAT'), 1);
    assert.equal(count('POSTROUTING', 'BERTH-POSTROUTING'), 1);
    assert.equal(count('BERTH-FORWARD', 'BERTH-ISOLATION-1'), 1);
    assert.equal(jumps.length, 5, jumps.join('\n'));
    // isolation comes first in BERTH-FORWARD, before any network's accept rules
    assert.equal(
      ruleLines().find((l) => l.startsWith('-A BERTH-FORWARD ')),
      '-A BERTH-FORWARD -m comment --comment "berth:base" -j BERTH-ISOLATION-1',
    );
    assert.equal(saved('filter').filter((l) => l.startsWith(':BERTH-FORWARD ')).length, 1);
  });

  it('a change iptables refuses fails whole, naming the owner, and adds none of its rules', async () => {
    const bad = `${OWNER}-bad`;
    const before = ruleLines();
    await assert.rejects(
      setOwnerRules(bad, [RULES[0]!, { table: 'filter', chain: 'NO-SUCH-CHAIN', spec: '-j DROP' }]),
      (err: unknown) => {
        assert.ok(isBerthError(err), String(err));
        assert.match(err.message, new RegExp(`setting the firewall rules of ${bad}`));
        return true;
      },
    );
    assert.deepEqual(linesOf(bad), []);
    assert.deepEqual(ruleLines(), before);
  });

  it('refuses an owner name that could not be told apart in a comment', async () => {
    for (const owner of ['', 'Upper', 'with space', 'a"b', 'x'.repeat(61), 'under_score'])
      await assert.rejects(setOwnerRules(owner, RULES), (err: unknown) => {
        assert.ok(isBerthError(err, 'Internal'), String(err));
        assert.match(err.message, /bad firewall owner/);
        return true;
      });
    assert.equal(ruleLines().filter((l) => l.includes(IFACE) && l.includes('192.0.2.7')).length, 0);
  });
});

describe('setOwnerRules on a table berth has not touched yet (own network namespace)', { skip }, () => {
  // The namespace still has berth's chains and jumps from the suite above: take them
  // away, as on a host where berth never ran.
  before(() => {
    for (const [table, chains] of [
      ['filter', ['FORWARD', 'BERTH-FORWARD']],
      ['nat', ['PREROUTING', 'OUTPUT', 'POSTROUTING']],
    ] as const) {
      for (const chain of chains) execFileSync('iptables', ['-t', table, '-F', chain]);
    }
    for (const [table, chain] of [
      ['filter', 'BERTH-FORWARD'],
      ['filter', 'BERTH-ISOLATION-1'],
      ['filter', 'BERTH-ISOLATION-2'],
      ['nat', 'BERTH-DNAT'],
      ['nat', 'BERTH-POSTROUTING'],
    ] as const) {
      execFileSync('iptables', ['-t', table, '-F', chain]);
      execFileSync('iptables', ['-t', table, '-X', chain]);
    }
  });

  it("two owners' first calls at once keep both owners' rules and one copy of the base", async () => {
    const a = `${OWNER}-a`;
    const b = `${OWNER}-b`;
    await Promise.all([setOwnerRules(a, [RULES[0]!]), setOwnerRules(b, [OTHER_RULES[0]!])]);
    assert.equal(linesOf(a).length, 1, 'rules of the first owner');
    assert.equal(linesOf(b).length, 1, 'rules of the second owner');
    assert.equal(ruleLines().filter((l) => l.includes('--comment "berth:base"')).length, 5);
  });
});
