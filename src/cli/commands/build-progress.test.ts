import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drawsOnTerminal, parseProgressMode, TtyProgress } from './build-progress.ts';

/** A display on a fake clock, collecting every write. */
function display() {
  let t = 0;
  const writes: string[] = [];
  const p = new TtyProgress({ write: (s: string) => writes.push(s) }, () => t);
  return { p, writes, advance: (ms: number) => (t += ms), last: () => writes[writes.length - 1] };
}

describe('build progress modes', () => {
  it('parses Docker values; -q is quiet; a bad value is refused', () => {
    assert.equal(parseProgressMode(undefined, false), 'auto');
    assert.equal(parseProgressMode('plain', false), 'plain');
    assert.equal(parseProgressMode('tty', true), 'quiet');
    assert.throws(() => parseProgressMode('fancy', false), /invalid progress mode fancy/);
  });
  it('draws for tty always, for auto only on a terminal', () => {
    assert.equal(drawsOnTerminal('auto', false), false);
    assert.equal(drawsOnTerminal('auto', true), true);
    assert.equal(drawsOnTerminal('tty', false), true);
    assert.equal(drawsOnTerminal('plain', true), false);
  });
});

describe('TtyProgress', () => {
  it('shows the running step with its time and RUN output, then DONE and CACHED', () => {
    const d = display();
    d.p.stream('Step 1/3 : FROM busybox\n ---> abc\n');
    d.advance(500);
    d.p.stream('Step 2/3 : COPY a /a\n ---> Using cache\n ---> def\n');
    d.advance(300);
    d.p.stream('Step 3/3 : RUN make\n ---> Running in 123\n');
    d.advance(2300);
    d.p.stream('compiling one\ncompiling two\n');
    assert.equal(
      d.last(),
      '\x1b[3A\r\x1b[J[1/3] FROM busybox  0.5s DONE\n[2/3] COPY a /a  0.3s CACHED\n[3/3] RUN make  2.3s\n  compiling one\n  compiling two\n',
    );
    d.advance(200);
    d.p.stream('Removing intermediate container 123\n ---> fff\nSuccessfully built fff\n');
    d.p.finish(true);
    const frames = d.writes.join('');
    assert.ok(frames.endsWith('[3/3] RUN make  2.5s DONE\nSuccessfully built fff\n'), frames);
    assert.ok(!d.writes.at(-2)?.includes('compiling'), 'the summary drops the output lines');
  });
  it('marks the failing step ERROR and keeps its last output lines', () => {
    const d = display();
    d.p.stream('Step 1/2 : FROM busybox\n ---> abc\nStep 2/2 : RUN exit 3\n ---> Running in 1\n');
    d.p.stream('1\n2\n3\n4\n5\n');
    d.advance(1000);
    d.p.finish(false);
    assert.equal(
      d.last(),
      '\x1b[6A\r\x1b[J[1/2] FROM busybox  0.0s DONE\n[2/2] RUN exit 3  1.0s ERROR\n  2\n  3\n  4\n  5\n',
    );
  });
  it('joins stream texts split mid-line', () => {
    const d = display();
    d.p.stream('Step 1/1 : FR');
    d.p.stream('OM x\n');
    d.p.finish(true);
    assert.equal(d.last(), '\x1b[1A\r\x1b[J[1/1] FROM x  0.0s DONE\n');
  });
});
