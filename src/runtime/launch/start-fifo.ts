// The start signal of a container created with a start fifo (launcher keeper
// `{ startFifo }`): its init waits, fully set up, until a byte arrives on the fifo.
// Any process may start it, and nothing needs to stay alive between create and start.
import { closeSync, constants, openSync, unlinkSync, writeSync } from 'node:fs';
import { BerthError } from '../../util/errors.ts';

/** Let the container waiting on `fifo` exec. The fifo is removed: a container starts once. */
export function startThroughFifo(fifo: string): void {
  let fd: number;
  try {
    // non-blocking: with no reader (the init is gone) this fails at once with ENXIO instead of hanging
    fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENXIO')
      throw new BerthError('FailedPrecondition', 'cannot start: the container process exited before start');
    if (code === 'ENOENT')
      throw new BerthError('FailedPrecondition', 'cannot start: the container was started already');
    throw err;
  }
  try {
    writeSync(fd, Buffer.from([0]));
  } finally {
    closeSync(fd);
    unlinkSync(fifo);
  }
}
