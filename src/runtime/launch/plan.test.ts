import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MS } from './linux-constants.ts';
import { encodePlan, PlanTag, RLIM_INFINITY } from './plan.ts';
import { testPlan } from './test-plan.ts';

interface Rec {
  tag: number;
  payload: Buffer;
}

function records(buf: Buffer): Rec[] {
  const out: Rec[] = [];
  for (let o = 16; o < buf.length; ) {
    const tag = buf.readUInt16LE(o);
    const len = buf.readUInt32LE(o + 4);
    out.push({ tag, payload: buf.subarray(o + 8, o + 8 + len) });
    o += 8 + len;
  }
  return out;
}

describe('encodePlan', () => {
  it('writes the header and one record per item, in order', () => {
    const buf = encodePlan(testPlan('/rootfs', 'echo hi'));
    assert.equal(buf.subarray(0, 8).toString('latin1'), 'BERTHPLN');
    assert.equal(buf.readUInt32LE(8), 1);
    assert.equal(buf.readUInt32LE(12), buf.length - 16);
    const recs = records(buf);
    assert.equal(recs[0].tag, PlanTag.NsCreate);
    assert.equal(
      recs[0].payload.readBigUInt64LE(0),
      0x20000000n | 0x20000n | 0x4000000n | 0x8000000n | 0x40000000n,
    );
    const args = recs.filter((r) => r.tag === PlanTag.Arg).map((r) => r.payload.subarray(4).toString());
    assert.deepEqual(args, ['/bin/sh', '-c', 'echo hi']);
    const exec = recs.find((r) => r.tag === PlanTag.Exec)!;
    assert.equal(exec.payload.subarray(4).toString(), '/bin/sh');
    const mounts = recs.filter((r) => r.tag === PlanTag.Mount);
    assert.equal(mounts.length, 5);
    // source "proc", target "/proc", fstype "proc", flags, data "", 0 propagation flags
    const m = mounts[0].payload;
    assert.equal(m.readUInt32LE(0), 4);
    assert.equal(m.subarray(4, 8).toString(), 'proc');
    assert.equal(m.length, 4 + 4 + (4 + 5) + (4 + 4) + 8 + 4 + 8);
    assert.equal(m.readBigUInt64LE(25), BigInt(MS.NOSUID | MS.NOEXEC | MS.NODEV));
  });

  it('encodes capabilities as bit masks and rlimits as u64', () => {
    const recs = records(
      encodePlan(
        testPlan('/r', 'x', {
          capabilities: { bounding: [0, 40], effective: [1], permitted: [], inheritable: [], ambient: [] },
          rlimits: [{ resource: 7, soft: 1024n, hard: RLIM_INFINITY }],
        }),
      ),
    );
    const caps = recs.find((r) => r.tag === PlanTag.Capabilities)!.payload;
    assert.equal(caps.readBigUInt64LE(0), (1n << 40n) | 1n);
    assert.equal(caps.readBigUInt64LE(8), 2n);
    const rl = recs.find((r) => r.tag === PlanTag.Rlimit)!.payload;
    assert.deepEqual(
      [rl.readBigUInt64LE(0), rl.readBigUInt64LE(8), rl.readBigUInt64LE(16)],
      [7n, 1024n, RLIM_INFINITY],
    );
  });

  it('refuses what the format cannot carry', () => {
    assert.throws(() => encodePlan(testPlan('/r\0x', 'x')), /NUL/);
    assert.throws(
      () =>
        encodePlan(
          testPlan('/r', 'x', {
            capabilities: { bounding: [64], effective: [], permitted: [], inheritable: [], ambient: [] },
          }),
        ),
      /capability 64/,
    );
    assert.throws(
      () => encodePlan(testPlan('/r', 'x', { seccomp: { program: new Uint8Array(12), flags: 0 } })),
      /sock_filter/,
    );
    const p = testPlan('/r', 'x');
    p.process = { ...p.process, args: [] };
    assert.throws(() => encodePlan(p), /args is empty/);
  });
});
