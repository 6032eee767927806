import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ContainerState } from '../state/state-store.ts';
import { BerthRuntime } from './berth-runtime.ts';
import { OciCommandRuntime } from './oci-command-runtime.ts';
import { BERTH_RUNTIME, RuntimeSet } from './runtime-set.ts';

describe('the engine’s runtime set', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-runtime-set-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A set whose runtimes record the verbs they are asked for instead of doing them. */
  function recordingSet(records: Record<string, string>, defaultRuntime?: string) {
    const calls: string[] = [];
    const berth = new BerthRuntime({ root: join(dir, 'berth') });
    const runc = new OciCommandRuntime({
      name: 'runc',
      path: '/nonexistent/runc',
      root: join(dir, 'runc'),
      files: join(dir, 'runc-files'),
    });
    const crun = new OciCommandRuntime({
      name: 'crun',
      path: '/nonexistent/crun',
      root: join(dir, 'crun'),
      files: join(dir, 'crun-files'),
    });
    for (const [name, rt] of [
      ['berth', berth],
      ['runc', runc],
      ['crun', crun],
    ] as const) {
      rt.kill = async (id, signal) => {
        calls.push(`${name} kill ${id} ${signal}`);
      };
      rt.pause = async (id) => {
        calls.push(`${name} pause ${id}`);
      };
      rt.pids = async (id) => {
        calls.push(`${name} pids ${id}`);
        return [1];
      };
    }
    berth.store.load = async (id) => {
      calls.push(`berth load ${id}`);
      return { id } as ContainerState;
    };
    runc.containerState = async (id) => {
      calls.push(`runc load ${id}`);
      return { id } as ContainerState;
    };
    const set = new RuntimeSet({
      berth,
      commands: [runc, crun],
      defaultRuntime,
      runtimeOf: (id) => records[id],
    });
    return { set, calls };
  }

  it('sends each container’s verbs to the runtime it was created with; berth’s when none is recorded', async () => {
    const { set, calls } = recordingSet({ a: 'runc', b: 'berth', c: 'crun' });
    await set.kill('a', 15);
    await set.kill('b', 9);
    await set.kill('c', 2);
    await set.kill('build-step', 9);
    await set.pause('a');
    assert.deepEqual(await set.pids('c'), [1]);
    await set.store.load('a');
    await set.store.load('b');
    assert.deepEqual(calls, [
      'runc kill a 15',
      'berth kill b 9',
      'crun kill c 2',
      'berth kill build-step 9',
      'runc pause a',
      'crun pids c',
      'runc load a',
      'berth load b',
    ]);
  });

  it('names the runtime of a new container, with Docker’s error for an unknown one', () => {
    const { set } = recordingSet({});
    assert.equal(set.nameFor(undefined), BERTH_RUNTIME);
    assert.equal(set.nameFor(''), BERTH_RUNTIME);
    assert.equal(set.nameFor('runc'), 'runc');
    assert.throws(
      () => set.nameFor('nope'),
      (e: Error & { code?: string }) =>
        e.code === 'InvalidArgument' && e.message === 'unknown or invalid runtime name: nope',
    );
    assert.equal(recordingSet({}, 'crun').set.nameFor(undefined), 'crun');
    assert.throws(() => recordingSet({}, 'nope'), /default runtime "nope" is not a runtime/);
  });

  it('refuses a container whose runtime the daemon no longer has', async () => {
    const { set } = recordingSet({ gone: 'kata' });
    await assert.rejects(() => set.kill('gone', 9), /unknown or invalid runtime name: kata/);
  });

  it('lists every runtime’s command for /info, berth’s own as berth', () => {
    assert.deepEqual(recordingSet({}).set.paths(), {
      berth: 'berth',
      runc: '/nonexistent/runc',
      crun: '/nonexistent/crun',
    });
  });
});
