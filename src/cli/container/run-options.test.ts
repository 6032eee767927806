import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandArgs } from '../args.ts';
import { renderOptions } from '../usage.ts';
import { CREATE_OPTIONS, flagLabel, RUN_OPTIONS } from './run-options.ts';

describe('RUN_OPTIONS and CREATE_OPTIONS', () => {
  it("have Docker's flags", () => {
    const expected =
      'add-host attach blkio-weight cap-add cap-drop cgroup-parent cgroupns cidfile cpu-period cpu-quota cpu-shares ' +
      'cpus cpuset-cpus cpuset-mems detach device device-cgroup-rule dns dns-option dns-search domainname entrypoint ' +
      'env env-file expose group-add health-cmd health-interval health-retries health-start-interval health-start-period ' +
      'health-timeout hostname init interactive ip ipc label label-file log-driver log-opt memory memory-reservation ' +
      'memory-swap memory-swappiness mount name network network-alias no-healthcheck oom-kill-disable oom-score-adj pid ' +
      'pids-limit platform privileged publish publish-all pull quiet read-only restart rm runtime security-opt shm-size ' +
      'sig-proxy stop-signal stop-timeout sysctl tmpfs tty ulimit user userns uts volume workdir net';
    for (const name of expected.split(' ')) assert.ok(name in RUN_OPTIONS, name);
    for (const runOnly of ['detach', 'sig-proxy', 'detach-keys'])
      assert.ok(!(runOnly in CREATE_OPTIONS), runOnly);
  });
  it('spell short flags as Docker does', () => {
    const shorts = Object.fromEntries(
      Object.entries(RUN_OPTIONS)
        .filter(([, s]) => 'short' in s && s.short)
        .map(([n, s]) => [(s as { short: string }).short, n]),
    );
    assert.deepEqual(shorts, {
      a: 'attach',
      c: 'cpu-shares',
      d: 'detach',
      e: 'env',
      h: 'hostname',
      i: 'interactive',
      l: 'label',
      m: 'memory',
      p: 'publish',
      P: 'publish-all',
      q: 'quiet',
      t: 'tty',
      u: 'user',
      v: 'volume',
      w: 'workdir',
    });
    assert.equal(flagLabel('memory'), '-m, --memory');
    assert.equal(flagLabel('cpus'), '--cpus');
  });
  it('parse a typical command line, repeated flags accumulating and the command kept whole', () => {
    const { options, positionals } = parseCommandArgs(
      [
        '-dit',
        '--rm',
        '-p',
        '80',
        '-p=8080:80',
        '-e',
        'A=1',
        '--env=B=2',
        '-h',
        'box',
        'alpine',
        'sh',
        '-c',
        'echo -d',
      ],
      RUN_OPTIONS,
      { stopAtFirstPositional: true },
    );
    assert.deepEqual(options, {
      detach: true,
      interactive: true,
      tty: true,
      rm: true,
      publish: ['80', '8080:80'],
      env: ['A=1', 'B=2'],
      hostname: 'box',
    });
    assert.deepEqual(positionals, ['alpine', 'sh', '-c', 'echo -d']);
  });
  it('render help with Docker value names, hiding the old aliases', () => {
    const help = renderOptions(RUN_OPTIONS);
    assert.match(help, /^ {2}-m, --memory bytes +Memory limit$/m);
    assert.match(
      help,
      /^ {6}--health-interval duration +Time between running the check \(ms\|s\|m\|h\) \(default 0s\)$/m,
    );
    assert.match(help, /^ {6}--cpus decimal +Number of CPUs$/m);
    assert.match(help, /^ {2}-v, --volume list +Bind mount a volume$/m);
    assert.doesNotMatch(help, /--net |--net-alias|--dns-opt /);
  });
});
