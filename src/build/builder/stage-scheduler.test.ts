import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrderedOutput, runStageJobs, type StageJob } from './stage-scheduler.ts';

/** A promise and its resolver. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

describe('stage scheduler', () => {
  it('runs independent stages at once, at most `limit`, each after what it depends on', async () => {
    const events: string[] = [];
    let running = 0;
    let most = 0;
    const b = gate();
    const job = (name: string, after: number[], wait?: Promise<void>): StageJob => ({
      after,
      async run(write) {
        running++;
        most = Math.max(most, running);
        events.push(`start ${name}`);
        write(`${name} 1\n`);
        if (wait) await wait;
        else await new Promise((r) => setImmediate(r));
        write(`${name} 2\n`);
        events.push(`end ${name}`);
        running--;
        if (name === 'c') b.open();
      },
    });
    let text = '';
    // a waits for c (a later stage) to finish: only possible when they run at once.
    const jobs = [job('a', [], b.opened), job('b', [0]), job('c', []), job('d', [1, 2])];
    await runStageJobs(
      jobs,
      (t) => {
        text += t;
      },
      2,
    );
    assert.equal(most, 2);
    assert.ok(events.indexOf('start b') > events.indexOf('end a'), 'b waits for a');
    assert.ok(events.indexOf('start d') > events.indexOf('end b'), 'd waits for b and c');
    assert.equal(text, 'a 1\na 2\nb 1\nb 2\nc 1\nc 2\nd 1\nd 2\n', 'output in stage order, each stage whole');
  });

  it('a limit of 1 builds in order', async () => {
    const order: number[] = [];
    const jobs: StageJob[] = [0, 1, 2].map((i) => ({
      after: [],
      async run() {
        order.push(i);
      },
    }));
    await runStageJobs(jobs, () => {}, 1);
    assert.deepEqual(order, [0, 1, 2]);
  });

  it('a failure starts nothing new, waits for the running stages, prints what they wrote and rejects', async () => {
    const started: string[] = [];
    let text = '';
    const slow = gate();
    const jobs: StageJob[] = [
      {
        after: [],
        async run(write) {
          started.push('a');
          await slow.opened;
          write('a done\n');
        },
      },
      {
        after: [],
        async run(write) {
          started.push('b');
          write('b fails\n');
          setImmediate(slow.open);
          throw new Error('b broke');
        },
      },
      { after: [], run: async () => void started.push('c') },
    ];
    await assert.rejects(
      runStageJobs(
        jobs,
        (t) => {
          text += t;
        },
        2,
      ),
      /b broke/,
    );
    assert.deepEqual(started, ['a', 'b']);
    assert.equal(text, 'a done\nb fails\n');
  });

  it('a failure cancels the running stages; the build fails with the cause, not the cancellation', async () => {
    const seen: string[] = [];
    const jobs: StageJob[] = [
      {
        after: [],
        // Runs until cancelled, as a long RUN does until its container is killed.
        run: (write, signal) =>
          new Promise<void>((_resolve, reject) => {
            write('a started\n');
            signal.addEventListener('abort', () => {
              seen.push(`a cancelled: ${(signal.reason as Error).message}`);
              reject(new Error('a was killed'));
            });
          }),
      },
      {
        after: [],
        async run() {
          await new Promise((r) => setImmediate(r));
          throw new Error('b broke');
        },
      },
    ];
    let text = '';
    await assert.rejects(
      runStageJobs(
        jobs,
        (t) => {
          text += t;
        },
        2,
      ),
      /^Error: b broke$/,
    );
    assert.deepEqual(seen, ['a cancelled: cancelled: the build stopped']);
    assert.equal(text, 'a started\n');
  });

  it("the caller's signal cancels every stage and starts none", async () => {
    const caller = new AbortController();
    const started: string[] = [];
    const jobs: StageJob[] = [
      {
        after: [],
        run: (_write, signal) =>
          new Promise<void>((_resolve, reject) => {
            started.push('a');
            signal.addEventListener('abort', () => reject(signal.reason));
            setImmediate(() => caller.abort(new Error('client gone')));
          }),
      },
      { after: [0], run: async () => void started.push('b') },
    ];
    await assert.rejects(
      runStageJobs(jobs, () => {}, 2, caller.signal),
      /client gone/,
    );
    assert.deepEqual(started, ['a']);
    const aborted = new AbortController();
    aborted.abort(new Error('gone before'));
    await assert.rejects(
      runStageJobs(jobs, () => {}, 2, aborted.signal),
      /gone before/,
    );
    assert.deepEqual(started, ['a'], 'an aborted signal starts nothing');
  });

  it('ordered output: the earliest unfinished writer is live, the rest are held', () => {
    let text = '';
    const out = new OrderedOutput(3, (t) => {
      text += t;
    });
    out.writer(2)('c');
    out.writer(1)('b');
    out.writer(0)('a');
    assert.equal(text, 'a');
    out.finish(1);
    assert.equal(text, 'a', 'a finished later writer waits for the earlier');
    out.finish(0);
    assert.equal(text, 'abc');
    out.writer(2)('C');
    assert.equal(text, 'abcC', 'the head is live');
  });
});
