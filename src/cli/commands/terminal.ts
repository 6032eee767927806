// The terminal questions commands ask: is this stream a terminal (save and
// load refuse to write or read archives there), and the y/N confirmation of
// prune, read from stdin whether or not it is a terminal, as Docker reads it,
// so `echo y | berth image prune` works and no input means no.
import type { Readable, Writable } from 'node:stream';

export const isTerminal = (stream: Readable | Writable): boolean =>
  (stream as { isTTY?: boolean }).isTTY === true;

/** The first line of `input` (empty at end of input), without waiting for more. */
function readLine(input: Readable): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      input.off('data', onData);
      input.off('end', done);
      input.off('error', done);
      input.pause();
      resolve(text);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        text = text.slice(0, nl);
        done();
      }
    };
    input.on('data', onData);
    input.once('end', done);
    input.once('error', done);
    input.resume();
  });
}

/** Ask `message [y/N]` on `out`; true only for y or yes. */
export async function confirm(message: string, input: Readable, out: Writable): Promise<boolean> {
  out.write(`${message} [y/N] `);
  const answer = (await readLine(input)).trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}
