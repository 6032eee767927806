import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findCommand, parseAddRuntime, runtimeCommands } from './runtime-commands.ts';

describe('the daemon’s runtime commands', () => {
  let dir: string;
  let bin: string;
  let other: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-runtime-commands-'));
    bin = join(dir, 'bin');
    other = join(dir, 'other');
    mkdirSync(bin);
    mkdirSync(other);
    for (const [d, name, mode] of [
      [bin, 'runc', 0o755],
      [bin, 'crun', 0o755],
      [other, 'runc', 0o755],
      [bin, 'not-executable', 0o644],
    ] as const) {
      writeFileSync(join(d, name), '#!/bin/sh\n');
      chmodSync(join(d, name), mode);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('parses NAME=PATH and refuses a missing part, a bad name and berth’s own name', () => {
    assert.deepEqual(parseAddRuntime('crun=/usr/bin/crun'), { name: 'crun', path: '/usr/bin/crun' });
    assert.deepEqual(parseAddRuntime('my.rt-2=x=y'), { name: 'my.rt-2', path: 'x=y' });
    assert.throws(() => parseAddRuntime('crun'), /give NAME=PATH/);
    assert.throws(() => parseAddRuntime('=/x'), /give NAME=PATH/);
    assert.throws(() => parseAddRuntime('crun='), /give NAME=PATH/);
    assert.throws(() => parseAddRuntime('a/b=/x'), /letters, digits/);
    assert.throws(() => parseAddRuntime('berth=/x'), /"berth" is reserved/);
  });

  it('finds a bare name on PATH and takes an absolute path only when it is an executable file', () => {
    const path = `${join(dir, 'nowhere')}:${bin}:${other}`;
    assert.equal(findCommand('runc', path), join(bin, 'runc'));
    assert.equal(findCommand('missing', path), undefined);
    assert.equal(findCommand('not-executable', path), undefined);
    assert.equal(findCommand(join(other, 'runc'), ''), join(other, 'runc'));
    assert.equal(findCommand(join(bin, 'not-executable'), ''), undefined);
    assert.equal(findCommand(bin, ''), undefined, 'a directory is no command');
    assert.equal(findCommand('bin/runc', path), undefined, 'a relative path is not looked up');
  });

  it('lists runc when found, then each --add-runtime, a later one replacing runc', () => {
    assert.deepEqual(runtimeCommands([], bin), { runc: join(bin, 'runc') });
    assert.deepEqual(runtimeCommands([], other + '-none'), {});
    assert.deepEqual(runtimeCommands(['crun=crun', `runc=${join(other, 'runc')}`], bin), {
      runc: join(other, 'runc'),
      crun: join(bin, 'crun'),
    });
    assert.throws(() => runtimeCommands(['x=/no/such/runtime'], bin), /no executable file at \/no\/such/);
    assert.throws(() => runtimeCommands(['x=nosuch'], bin), /no executable on PATH at nosuch/);
  });
});
