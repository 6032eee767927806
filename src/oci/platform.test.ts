import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Descriptor, Platform } from './descriptor.ts';
import {
  bestMatch,
  compatiblePlatforms,
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  parsePlatform,
  platformMatches,
  platformRank,
} from './platform.ts';

const host: Platform = { os: 'linux', architecture: 'amd64' };
const p = (s: string) => parsePlatform(s, host);

describe('parsePlatform', () => {
  const cases: [string, string][] = [
    ['linux/amd64', 'linux/amd64'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/x86-64', 'linux/amd64'],
    ['Linux/AMD64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64/v8'],
    ['linux/arm64/8', 'linux/arm64/v8'],
    ['linux/arm', 'linux/arm'],
    ['linux/arm/v7', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/arm/v6', 'linux/arm/v6'],
    ['linux/arm/5', 'linux/arm/v5'],
    // v7 is arm's default, so containerd prints it only when asked for by name.
    ['linux/armhf', 'linux/arm'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/i386', 'linux/386'],
    ['linux/ppc64le', 'linux/ppc64le'],
    ['linux/s390x', 'linux/s390x'],
    ['linux/riscv64', 'linux/riscv64'],
    ['macos/arm64', 'darwin/arm64'],
    ['windows/amd64', 'windows/amd64'],
    // A lone OS or architecture takes the rest from the host.
    ['linux', 'linux/amd64'],
    ['arm64', 'linux/arm64'],
    ['aarch64', 'linux/arm64'],
  ];
  for (const [spec, want] of cases) {
    it(`${spec} → ${want}`, () => assert.equal(formatPlatform(p(spec)), want));
  }

  it('keeps an OS version', () => {
    assert.deepEqual(p('windows(10.0.17763)/amd64'), {
      os: 'windows',
      architecture: 'amd64',
      'os.version': '10.0.17763',
    });
  });

  it('refuses what is not a platform', () => {
    for (const bad of [
      '',
      'linux/',
      '/amd64',
      'linux/amd64/v8/x',
      'linux/am d64',
      'plan10',
      'linux/amd64;',
    ]) {
      assert.throws(() => p(bad), /invalid platform/, bad);
    }
  });
});

describe('normalizePlatform', () => {
  it('drops default variants and maps aliases', () => {
    assert.deepEqual(normalizePlatform({ os: 'linux', architecture: 'aarch64', variant: 'v8' }), {
      os: 'linux',
      architecture: 'arm64',
    });
    assert.deepEqual(normalizePlatform({ os: 'linux', architecture: 'arm' }), {
      os: 'linux',
      architecture: 'arm',
      variant: 'v7',
    });
    assert.deepEqual(normalizePlatform({ os: 'Linux', architecture: 'x86_64', variant: 'v1' }), {
      os: 'linux',
      architecture: 'amd64',
    });
  });
});

describe('hostPlatform', () => {
  it('is the normal form of this machine', () => {
    const hp = hostPlatform();
    assert.equal(hp.os, process.platform === 'win32' ? 'windows' : process.platform);
    const expected: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };
    if (expected[process.arch]) assert.equal(hp.architecture, expected[process.arch]);
    assert.deepEqual(normalizePlatform(hp), hp);
  });
});

describe('platformMatches', () => {
  const cases: [string, string, boolean][] = [
    ['linux/amd64', 'linux/amd64', true],
    ['linux/amd64', 'linux/x86_64', true],
    ['linux/amd64', 'linux/386', true],
    ['linux/amd64', 'linux/amd64/v2', false],
    ['linux/amd64/v3', 'linux/amd64/v2', true],
    ['linux/amd64/v3', 'linux/amd64', true],
    ['linux/amd64', 'linux/arm64', false],
    ['linux/amd64', 'windows/amd64', false],
    ['linux/arm64', 'linux/arm64/v8', true],
    ['linux/arm64/v8', 'linux/arm64', true],
    ['linux/arm64', 'linux/arm/v7', true],
    ['linux/arm64', 'linux/amd64', false],
    ['linux/arm/v7', 'linux/arm', true],
    ['linux/arm/v7', 'linux/arm/v6', true],
    ['linux/arm/v7', 'linux/arm/v5', true],
    ['linux/arm/v6', 'linux/arm/v7', false],
    ['linux/arm/v7', 'linux/arm64', false],
    ['linux/386', 'linux/amd64', false],
  ];
  for (const [want, have, ok] of cases) {
    it(`${want} ${ok ? 'runs' : 'does not run'} ${have}`, () =>
      assert.equal(platformMatches(p(want), p(have)), ok));
  }

  it('ranks arm v7 > v6 > v5 on an arm v7 host', () => {
    const want = p('linux/arm/v7');
    assert.deepEqual(
      ['linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5'].map((s) => platformRank(want, p(s))),
      [0, 1, 2],
    );
    assert.deepEqual(compatiblePlatforms(want).map(formatPlatform), [
      'linux/arm/v7',
      'linux/arm/v6',
      'linux/arm/v5',
    ]);
  });
});

describe('bestMatch', () => {
  const desc = (platform?: Platform, n = 0): Descriptor => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${n.toString(16).padStart(64, '0')}`,
    size: 100 + n,
    ...(platform ? { platform } : {}),
  });

  it('prefers the exact variant over a compatible one, whatever the order', () => {
    const v6 = desc({ os: 'linux', architecture: 'arm', variant: 'v6' }, 1);
    const v7 = desc({ os: 'linux', architecture: 'arm', variant: 'v7' }, 2);
    const v5 = desc({ os: 'linux', architecture: 'arm', variant: 'v5' }, 3);
    assert.equal(bestMatch(p('linux/arm/v7'), [v6, v5, v7]), v7);
    assert.equal(bestMatch(p('linux/arm/v7'), [v5, v6]), v6);
    assert.equal(bestMatch(p('linux/arm/v6'), [v7]), undefined);
  });

  it('picks amd64 without variant for an amd64 host, and skips descriptors without platform', () => {
    const attestation = desc({ os: 'unknown', architecture: 'unknown' }, 1);
    const noPlatform = desc(undefined, 2);
    const arm64 = desc({ os: 'linux', architecture: 'arm64', variant: 'v8' }, 3);
    const amd64 = desc({ os: 'linux', architecture: 'amd64' }, 4);
    const i386 = desc({ os: 'linux', architecture: '386' }, 5);
    assert.equal(bestMatch(p('linux/amd64'), [noPlatform, attestation, i386, arm64, amd64]), amd64);
    assert.equal(bestMatch(p('linux/amd64'), [noPlatform, attestation, i386, arm64]), i386);
    assert.equal(bestMatch(p('linux/arm64'), [amd64, arm64]), arm64);
    assert.equal(
      bestMatch(p('linux/arm64/v8'), [amd64, desc({ os: 'linux', architecture: 'arm64' }, 6)])?.size,
      106,
    );
  });

  it('keeps index order among equals', () => {
    const a = desc({ os: 'linux', architecture: 'amd64' }, 1);
    const b = desc({ os: 'linux', architecture: 'x86_64' }, 2);
    assert.equal(bestMatch(p('linux/amd64'), [a, b]), a);
    assert.equal(bestMatch(p('linux/amd64'), [b, a]), b);
  });
});
