// Building the stages a target needs, independent ones at the same time: a
// stage starts once every stage it depends on (stage-graph.ts) is built, at
// most `limit` at once, the ready ones in Dockerfile order. A stage's result
// never depends on when it ran, so the image and every step ID are the ones a
// build in Dockerfile order gives.
//
// Output stays the classic builder's, byte for byte as a build in Dockerfile
// order prints it: each stage's lines (Step N/M numbered in Dockerfile order,
// RUN output, ` ---> id`) go straight out while it is the earliest stage not yet
// finished, and are held until then otherwise; a finished stage lets the next
// one's held lines out. So a later stage may be seen to finish at once, and a
// long RUN of a stage that is not first shows its output only when the stages
// before it are done.
//
// When a stage fails, no more stages start and the running ones are cancelled
// through their signal (a RUN's container is killed); once they have stopped,
// everything held is printed in order and the build fails with the error that
// came first: the cause, not the cancellations it led to. The caller's signal
// (the client went away) cancels every stage the same way.

/** At most this many stages are built at once (the step work is disk and CPU bound). */
export const DEFAULT_PARALLEL_STAGES = 2;

export interface StageJob {
  /** The stages (positions in the job list) that must be built first. */
  after: readonly number[];
  /** Build the stage, writing its progress to `write`; stop early once `signal` aborts. */
  run(write: (text: string) => void, signal: AbortSignal): Promise<void>;
}

/** Why a stage stopped early: another stage failed, or the build was cancelled. */
class StageCancelled extends Error {
  constructor(cause: unknown) {
    super('cancelled: the build stopped', { cause });
  }
}

/** Run the jobs in dependency order, up to `limit` at once, their output in job order. */
export function runStageJobs(
  jobs: readonly StageJob[],
  sink: (text: string) => void,
  limit = DEFAULT_PARALLEL_STAGES,
  signal?: AbortSignal,
): Promise<void> {
  const output = new OrderedOutput(jobs.length, sink);
  const state: ('waiting' | 'running' | 'done' | 'failed')[] = jobs.map(() => 'waiting');
  const cancel = new AbortController();
  let firstError: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    firstError ??= { error };
    if (!cancel.signal.aborted) cancel.abort(new StageCancelled(error));
  };
  const onAbort = () => fail(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  let running = 0;
  return new Promise<void>((resolve, reject) => {
    const next = () => {
      if (firstError) {
        if (running) return;
        signal?.removeEventListener('abort', onAbort);
        output.flushAll();
        reject(firstError.error);
        return;
      }
      if (state.every((s) => s === 'done')) {
        signal?.removeEventListener('abort', onAbort);
        resolve();
        return;
      }
      for (const [i, job] of jobs.entries()) {
        if (running >= Math.max(1, limit)) break;
        if (state[i] !== 'waiting' || !job.after.every((d) => state[d] === 'done')) continue;
        state[i] = 'running';
        running++;
        Promise.resolve()
          .then(() => job.run(output.writer(i), cancel.signal))
          .then(
            () => {
              state[i] = 'done';
              output.finish(i);
            },
            (err: unknown) => {
              state[i] = 'failed';
              fail(err);
            },
          )
          .finally(() => {
            running--;
            next();
          });
      }
    };
    next();
  });
}

/** Text of several writers, in writer order: the earliest unfinished one is live, later ones are held. */
export class OrderedOutput {
  private readonly held: string[][];
  private readonly finished: boolean[];
  private head = 0;

  constructor(
    count: number,
    private readonly sink: (text: string) => void,
  ) {
    this.held = Array.from({ length: count }, () => []);
    this.finished = Array.from({ length: count }, () => false);
  }

  writer(i: number): (text: string) => void {
    return (text) => {
      if (i === this.head) this.sink(text);
      else this.held[i].push(text);
    };
  }

  /** Writer `i` is done; the ones after it that are done already follow, and the next live one catches up. */
  finish(i: number): void {
    this.finished[i] = true;
    while (this.head < this.finished.length && this.finished[this.head]) {
      this.head++;
      if (this.head < this.held.length) this.release(this.head);
    }
  }

  /** Everything held, in order (when the jobs end in failure). */
  flushAll(): void {
    for (let i = this.head; i < this.held.length; i++) this.release(i);
  }

  private release(i: number): void {
    for (const text of this.held[i]) this.sink(text);
    this.held[i] = [];
  }
}
