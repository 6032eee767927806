import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkNamespaceModes } from './namespace-modes.ts';

describe('checkNamespaceModes', () => {
  it('accepts the modes Docker accepts', () => {
    assert.doesNotThrow(() => checkNamespaceModes({}));
    assert.doesNotThrow(() =>
      checkNamespaceModes({
        pid: 'container:abc',
        uts: 'host',
        userns: 'host',
        cgroupns: 'private',
        ipc: 'shareable',
      }),
    );
    assert.doesNotThrow(() => checkNamespaceModes({ pid: 'host', cgroupns: 'host', ipc: 'container:x' }));
  });
  const invalid: [Parameters<typeof checkNamespaceModes>[0], string][] = [
    [{ pid: 'container:' }, '--pid: invalid PID mode'],
    [{ pid: 'foo' }, '--pid: invalid PID mode'],
    [{ uts: 'private' }, '--uts: invalid UTS mode'],
    [{ userns: 'private' }, '--userns: invalid USER mode'],
    [{ cgroupns: 'foo' }, '--cgroupns: invalid CGROUP mode'],
    [{ ipc: 'foo' }, 'invalid IPC mode: foo'],
  ];
  for (const [modes, message] of invalid) {
    it(`refuses ${JSON.stringify(modes)}`, () =>
      assert.throws(() => checkNamespaceModes(modes), { message }));
  }
});
