import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAPABILITIES } from '../../runtime/spec/capabilities.ts';
import { DOCKER_CAPABILITIES } from '../../runtime/spec/defaults.ts';
import {
  allCapabilities,
  capabilitySets,
  containerCapabilities,
  grantableCapabilities,
} from './capabilities.ts';

const LAST = 40;
/** A daemon whose bounding set holds every capability. */
const FULL = (1n << 64n) - 1n;
const DEFAULTS = [...DOCKER_CAPABILITIES] as string[];

describe('containerCapabilities', () => {
  const cases: [string, { capAdd?: string[]; capDrop?: string[]; privileged?: boolean }, string[]][] = [
    ['Docker defaults', {}, DEFAULTS],
    [
      'add with and without CAP_, any case',
      { capAdd: ['net_admin', 'CAP_SYS_PTRACE', 'Sys_Time'] },
      [...DEFAULTS, 'CAP_NET_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_TIME'],
    ],
    [
      'drop',
      { capDrop: ['chown', 'CAP_KILL'] },
      DEFAULTS.filter((c) => c !== 'CAP_CHOWN' && c !== 'CAP_KILL'),
    ],
    ['add of a default is not repeated', { capAdd: ['CHOWN'] }, DEFAULTS],
    [
      'drop ALL, add some',
      { capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE', 'chown'] },
      ['CAP_NET_BIND_SERVICE', 'CAP_CHOWN'],
    ],
    [
      'add ALL, drop some',
      { capAdd: ['all'], capDrop: ['SYS_ADMIN'] },
      allCapabilities(LAST).filter((c) => c !== 'CAP_SYS_ADMIN'),
    ],
    ['privileged is everything', { privileged: true, capDrop: ['ALL'] }, allCapabilities(LAST)],
  ];
  for (const [name, opts, want] of cases) {
    it(name, () => assert.deepEqual(containerCapabilities({ ...opts, lastCap: LAST, bounding: FULL }), want));
  }

  it('gives "every" capability only from the daemon\'s own bounding set', () => {
    const sysResource = BigInt(CAPABILITIES.indexOf('CAP_SYS_RESOURCE'));
    const without = FULL & ~(1n << sysResource);
    const caps = containerCapabilities({ privileged: true, lastCap: LAST, bounding: without });
    assert.ok(!caps.includes('CAP_SYS_RESOURCE'));
    assert.equal(caps.length, allCapabilities(LAST).length - 1);
    assert.deepEqual(grantableCapabilities(LAST, without), caps);
  });

  it('refuses unknown names', () => {
    assert.throws(
      () => containerCapabilities({ capAdd: ['FLY'], lastCap: LAST }),
      /HostConfig.CapAdd: unknown capability: "FLY"/,
    );
    assert.throws(() => containerCapabilities({ capDrop: ['CAP_NOPE'], lastCap: LAST }), /CapDrop/);
  });

  it('knows only what the kernel knows', () => {
    assert.equal(allCapabilities(37).length, 38);
    assert.equal(allCapabilities(37).at(-1), 'CAP_AUDIT_READ');
    assert.equal(allCapabilities(99).length, CAPABILITIES.length);
  });
});

describe('capabilitySets', () => {
  it('gives root the set as bounding, effective and permitted', () => {
    assert.deepEqual(capabilitySets(['CAP_KILL'], 0), {
      bounding: ['CAP_KILL'],
      effective: ['CAP_KILL'],
      permitted: ['CAP_KILL'],
    });
  });
  it('gives other users only the bounding set', () => {
    assert.deepEqual(capabilitySets(['CAP_KILL'], 1000), { bounding: ['CAP_KILL'] });
  });
});
