import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerConfig as ImageContainerConfig } from '../../oci/descriptor.ts';
import type { ContainerConfig } from '../container-config.ts';
import { mergeConfig, processArgs, processEnv } from './merge-config.ts';

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

describe('entrypoint and command', () => {
  const image: ImageContainerConfig = { Entrypoint: ['/entry.sh'], Cmd: ['serve', '--port', '80'] };
  const cases: [string, ContainerConfig, ImageContainerConfig, string[]][] = [
    ['image defaults', {}, image, ['/entry.sh', 'serve', '--port', '80']],
    ['request Cmd replaces the image Cmd', { Cmd: ['sh'] }, image, ['/entry.sh', 'sh']],
    ['request Entrypoint drops the image Cmd', { Entrypoint: ['/bin/echo'] }, image, ['/bin/echo']],
    ['Entrypoint and Cmd both given', { Entrypoint: ['/bin/echo'], Cmd: ['hi'] }, image, ['/bin/echo', 'hi']],
    ['--entrypoint "" with a Cmd', { Entrypoint: [''], Cmd: ['ls', '-l'] }, image, ['ls', '-l']],
    [
      'null Entrypoint and Cmd inherit',
      { Entrypoint: undefined, Cmd: undefined },
      image,
      ['/entry.sh', 'serve', '--port', '80'],
    ],
    ['empty Cmd inherits', { Cmd: [] }, image, ['/entry.sh', 'serve', '--port', '80']],
    [
      'empty Entrypoint list keeps the image Cmd, not its Entrypoint',
      { Entrypoint: [] },
      image,
      ['serve', '--port', '80'],
    ],
    ['image with Cmd only', { Cmd: ['echo', 'x'] }, { Cmd: ['sh'] }, ['echo', 'x']],
    ['image with Entrypoint only', {}, { Entrypoint: ['/init'], Cmd: null }, ['/init']],
  ];
  for (const [name, request, img, want] of cases) {
    it(name, () => {
      const m = mergeConfig(request, img);
      assert.deepEqual([...m.Entrypoint, ...m.Cmd], want);
    });
  }

  it('fails when nothing is left to run', () => {
    for (const [request, img] of [
      [{ Entrypoint: [''] }, image],
      [{}, {}],
      [{}, null],
      [{ Cmd: [] }, { Cmd: [] }],
    ] as [ContainerConfig, ImageContainerConfig | null][]) {
      assert.throws(
        () => mergeConfig(request, img),
        (e: Error & { code?: string }) =>
          e.code === 'InvalidArgument' && /no command specified/.test(e.message),
      );
    }
  });

  it('splits Path and Args like Docker', () => {
    assert.deepEqual(processArgs({ Entrypoint: ['/a', 'b'], Cmd: ['c'] }), { path: '/a', args: ['b', 'c'] });
  });
});

describe('other merged fields', () => {
  it('takes User, WorkingDir and StopSignal from the request, else the image', () => {
    const img: ImageContainerConfig = { Cmd: ['x'], User: 'app', WorkingDir: '/srv', StopSignal: 'SIGQUIT' };
    assert.deepEqual(
      [mergeConfig({}, img).User, mergeConfig({}, img).WorkingDir, mergeConfig({}, img).StopSignal],
      ['app', '/srv', 'SIGQUIT'],
    );
    const m = mergeConfig({ User: '0', WorkingDir: '/tmp', StopSignal: 'SIGTERM' }, img);
    assert.deepEqual([m.User, m.WorkingDir, m.StopSignal], ['0', '/tmp', 'SIGTERM']);
  });

  it('unites the volumes', () => {
    const m = mergeConfig({ Cmd: ['x'], Volumes: { '/a': {} } }, { Volumes: { '/b': {}, '/a': {} } });
    assert.deepEqual(m.Volumes, ['/a', '/b']);
  });

  it('puts the request env first and keeps the image entries it does not name', () => {
    const m = mergeConfig(
      { Cmd: ['x'], Env: ['B=request', 'C=c'] },
      { Env: ['A=a', 'B=image', 'PATH=/img'] },
    );
    assert.deepEqual(m.Env, ['B=request', 'C=c', 'A=a', 'PATH=/img']);
  });
});

describe('processEnv', () => {
  const base = { hostname: 'h1', tty: false, home: '/root', defaultPath: PATH };
  const cases: [string, Partial<typeof base> & { env: string[] }, string[]][] = [
    ['defaults', { env: [] }, [PATH, 'HOSTNAME=h1', 'HOME=/root']],
    ['a terminal adds TERM', { env: [], tty: true }, [PATH, 'HOSTNAME=h1', 'TERM=xterm', 'HOME=/root']],
    [
      'the image PATH replaces the default in place',
      { env: ['A=1', 'PATH=/bin'] },
      ['PATH=/bin', 'HOSTNAME=h1', 'A=1', 'HOME=/root'],
    ],
    [
      'HOSTNAME and TERM can be overridden',
      { env: ['TERM=dumb', 'HOSTNAME=x'], tty: true },
      [PATH, 'HOSTNAME=x', 'TERM=dumb', 'HOME=/root'],
    ],
    ['an explicit HOME wins', { env: ['HOME=/data'] }, [PATH, 'HOSTNAME=h1', 'HOME=/data']],
    [
      'a later duplicate wins in place',
      { env: ['A=1', 'B=2', 'A=3'] },
      [PATH, 'HOSTNAME=h1', 'A=3', 'B=2', 'HOME=/root'],
    ],
    ['a bare name unsets', { env: ['A=1', 'PATH', 'A'] }, ['HOSTNAME=h1', 'HOME=/root']],
    ['values keep their = signs', { env: ['X=a=b'] }, [PATH, 'HOSTNAME=h1', 'X=a=b', 'HOME=/root']],
  ];
  for (const [name, opts, want] of cases) {
    it(name, () => assert.deepEqual(processEnv({ ...base, ...opts }), want));
  }
});
