import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { humanSize, LayerProgress, type ProgressMessage, progressText, shortDigest } from './progress.ts';
import { ProgressDisplay } from './progress-display.ts';

describe('progress messages', () => {
  it("sizes and bars as Docker's JSONProgress prints them", () => {
    assert.equal(humanSize(0), '0B');
    assert.equal(humanSize(527), '527B');
    assert.equal(humanSize(32768), '32.77kB');
    assert.equal(humanSize(2_007_040), '2.007MB');
    assert.equal(progressText(0, undefined), '');
    assert.equal(progressText(1000, undefined), '     1kB');
    assert.equal(progressText(262_144, 2_007_040), `[======>${' '.repeat(44)}]  262.1kB/2.007MB`);
    assert.equal(progressText(500, 1000, 80), '    500B/1kB');
    assert.equal(progressText(2000, 1000, 80), '     2kB');
    assert.equal(shortDigest(`sha256:${'ab'.repeat(32)}`), 'abababababab');
  });

  it('sends every status but thins out byte counts', () => {
    const got: ProgressMessage[] = [];
    const lp = new LayerProgress((m) => got.push(m), 'abc', 60_000);
    lp.status('Pulling fs layer');
    lp.bytes('Downloading', 1, 10);
    lp.bytes('Downloading', 2, 10);
    lp.bytes('Downloading', 10, 10, true);
    lp.status('Download complete');
    assert.deepEqual(
      got.map((m) => `${m.status} ${m.progressDetail?.current ?? ''}`),
      ['Pulling fs layer ', 'Downloading 1', 'Downloading 10', 'Download complete '],
    );
  });
});

function render(terminal: boolean, messages: ProgressMessage[]): string {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => {
    text += d;
  });
  const display = new ProgressDisplay(out, terminal, 80);
  for (const m of messages) display.show(m);
  return text;
}

const PULL: ProgressMessage[] = [
  { status: 'Pulling from library/busybox', id: 'latest' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'aaa' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'bbb' },
  { status: 'Downloading', progressDetail: { current: 5, total: 10 }, id: 'aaa' },
  { status: 'Download complete', progressDetail: {}, id: 'aaa' },
  { status: 'Digest: sha256:x' },
];

describe('ProgressDisplay', () => {
  it('prints plain lines without byte counts when not on a terminal', () => {
    assert.equal(
      render(false, PULL),
      'latest: Pulling from library/busybox\naaa: Pulling fs layer\nbbb: Pulling fs layer\naaa: Download complete\nDigest: sha256:x\n',
    );
  });

  it('keeps one line per layer on a terminal, rewriting it in place', () => {
    const esc = '\x1b[';
    assert.equal(
      render(true, PULL),
      'latest: Pulling from library/busybox\n' +
        `\n${esc}1A${esc}2K\raaa: Pulling fs layer \r${esc}1B` +
        `\n${esc}1A${esc}2K\rbbb: Pulling fs layer \r${esc}1B` +
        `${esc}2A${esc}2K\raaa: Downloading       5B/10B\r${esc}2B` +
        `${esc}2A${esc}2K\raaa: Download complete \r${esc}2B` +
        'Digest: sha256:x\n',
    );
  });

  it('throws the error a stream ends with', () => {
    assert.throws(
      () => render(false, [{ errorDetail: { message: 'no way' }, error: 'no way' } as ProgressMessage]),
      /no way/,
    );
  });
});
