// `berth-native init -- CMD...`, the pid 1 that --init puts in a container, run directly on
// the host (where it makes itself a subreaper instead of being pid 1).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const binary = fileURLToPath(new URL('../../../native/build/berth-native', import.meta.url));
const skip = existsSync(binary) ? undefined : 'berth-native is not built (scripts/build-native.sh)';

const init = (...cmd: string[]) =>
  spawnSync(binary, ['init', '--', ...cmd], { encoding: 'utf8', timeout: 30_000 });

describe('berth-native init', { skip }, () => {
  it("exits with the command's status", () => {
    assert.equal(init('sh', '-c', 'exit 3').status, 3);
    assert.equal(init('true').status, 0);
    assert.equal(spawnSync(binary, ['init', 'sh', '-c', 'exit 4']).status, 4, '"--" may be left out');
  });

  it('exits 128+N when signal N killed the command', () => {
    assert.equal(init('sh', '-c', 'kill -TERM $$').status, 128 + 15);
    assert.equal(init('sh', '-c', 'kill -KILL $$').status, 128 + 9);
  });

  it('says why a command cannot run', () => {
    const r = init('/nonexistent/cmd');
    assert.equal(r.status, 127);
    assert.match(r.stderr, /berth-init: exec \/nonexistent\/cmd: No such file or directory/);
    assert.equal(init(fileURLToPath(import.meta.url)).status, 126, 'not executable');
    assert.equal(spawnSync(binary, ['init', '--']).status, 125);
  });

  it('passes the arguments and the environment through', () => {
    const r = spawnSync(binary, ['init', '--', 'sh', '-c', 'echo "$1|$X"', 'arg0', 'a b'], {
      encoding: 'utf8',
      env: { X: 'x-value', PATH: process.env.PATH },
    });
    assert.equal(r.stdout, 'a b|x-value\n');
  });

  it('adopts orphans and reaps them', () => {
    // The inner shell leaves a sleep behind. While it runs it must be init's child ($PPID
    // is init); once it has ended it must not stay a zombie.
    const list = 'for f in /proc/[0-9]*/stat; do read -r l < $f 2>/dev/null && echo "$l"; done';
    const script = `sh -c "sleep 0.4 &"; sleep 0.1; echo init=$PPID; ${list}; echo later; sleep 0.8; ${list}; exit 0`;
    const r = init('sh', '-c', script);
    assert.equal(r.status, 0, r.stderr);
    const initPid = /^init=(\d+)$/m.exec(r.stdout)?.[1];
    const [before, later] = r.stdout.split('\nlater\n');
    const children = (text: string) =>
      text
        .split('\n')
        .filter((l) => /^\d+ \(/.test(l))
        .map((l) => [
          l.slice(l.indexOf('(') + 1, l.lastIndexOf(')')),
          ...l.slice(l.lastIndexOf(')') + 2).split(' '),
        ])
        .filter(([, , ppid]) => ppid === initPid)
        .map(([name, state]) => `${name}:${state}`);
    assert.ok(children(before).includes('sleep:S'), `the orphan was adopted: ${children(before).join(' ')}`);
    assert.deepEqual(children(later), ['sh:R'], 'only the command is left, no zombie');
  });

  it('forwards signals to the command', async () => {
    const child = spawn(
      binary,
      [
        'init',
        '--',
        'sh',
        '-c',
        'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.05; done',
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('ready')) resolve();
      }),
    );
    const code = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.ok(child.pid);
    process.kill(child.pid, 'SIGTERM');
    assert.equal(await code, 7);
    assert.match(out, /got-term/);
  });
});
