import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { argvOf, main } from './run.ts';

async function runMain(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const code = await main(argv, { stdout, stderr, env: {} });
  return { code, out, err };
}

describe('argvOf', () => {
  it('makes `berthd ARGS` mean `berth daemon ARGS`', () => {
    assert.deepEqual(argvOf(['node', '/usr/bin/berthd', '--root', '/x']), ['daemon', '--root', '/x']);
    assert.deepEqual(argvOf(['node', '/work/bin/berth', 'version']), ['version']);
  });
});

describe('main', () => {
  it('refuses unknown commands, in a group too, with exit 1', async () => {
    assert.deepEqual(await runMain(['nope']), {
      code: 1,
      out: '',
      err: "berth: 'nope' is not a berth command.\nSee 'berth --help'\n",
    });
    const inGroup = await runMain(['system', 'nope']);
    assert.equal(inGroup.code, 1);
    assert.equal(inGroup.err, "berth: 'system nope' is not a berth command.\nSee 'berth system --help'\n");
  });

  it('refuses unknown global flags with exit 125', async () => {
    const r = await runMain(['--bogus', 'version']);
    assert.equal(r.code, 125);
    assert.equal(r.err, "unknown flag: --bogus\nSee 'berth --help'.\n");
  });

  it('finds commands by alias and prints their help', async () => {
    const r = await runMain(['system', 'info', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /Usage: {2}berth info \[OPTIONS\]/);
    assert.match(r.out, /Aliases:\n {2}berth info, berth system info\n/);
  });

  it('reports an unreachable explicit host with exit 125 and no auto-start', async () => {
    const r = await runMain(['-H', 'unix:///nonexistent/berth-test.sock', 'info']);
    assert.equal(r.code, 125);
    assert.equal(
      r.err,
      'Cannot connect to the berth daemon at unix:///nonexistent/berth-test.sock. Is the berth daemon running?\n',
    );
  });

  it('refuses a host that is not a unix socket', async () => {
    const r = await runMain(['-H', 'tcp://127.0.0.1:2375', 'info']);
    assert.equal(r.code, 125);
    assert.match(r.err, /berth listens and connects on unix sockets only/);
  });
});
