// Feeds one readable stream to several consumers at the pace of the slowest,
// so one pass over a large stream can be hashed, stored and unpacked at once
// without buffering it. Each consumer gets its own PassThrough; one may give up
// (destroy it) and the others still get everything.
import { PassThrough, type Readable } from 'node:stream';

export function tee(source: Readable, count: number): PassThrough[] {
  const outs = Array.from({ length: count }, () => new PassThrough({ highWaterMark: 1 << 20 }));
  source.on('error', (err) => {
    for (const o of outs) o.destroy(err);
  });
  for (const o of outs) {
    // A consumer may attach only after an await; until then an error must not
    // crash the process. Consumers still see it: the stream stays errored.
    o.on('error', () => undefined);
    source.pipe(o);
    // A consumer that gives up (its stream destroyed) drops out; the others go on.
    // The source may be waiting for that consumer to drain, which it never will:
    // resume it (it pauses again if another consumer is full).
    o.on('close', () => {
      if (source.readableEnded) return;
      source.unpipe(o);
      source.resume();
    });
  }
  return outs;
}
