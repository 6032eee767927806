// An uploaded body (an archive to load, a tarball to import) handed to code
// that may give up on it halfway. Destroying a request that is not fully read
// destroys its socket, and with it the daemon's chance to say what was wrong;
// so consumers get a stream of their own, and `settle` reads what the client
// still sends before the daemon answers. A client that goes away mid-upload
// fails the consumer's stream instead of leaving it waiting forever.
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { BerthError } from '../util/errors.ts';

export interface UploadBody {
  readonly stream: Readable;
  /** Read and drop the rest of the request body, so that an answer reaches the client. */
  settle(): Promise<void>;
}

export function uploadBody(req: IncomingMessage): UploadBody {
  const stream = new PassThrough({ highWaterMark: 1 << 20 });
  const gone = () => {
    if (!req.complete)
      stream.destroy(new BerthError('Unavailable', 'the client closed the connection mid-upload'));
  };
  req.on('aborted', gone);
  req.on('close', gone);
  req.on('error', (err) => stream.destroy(err));
  req.pipe(stream);
  return {
    stream,
    settle: () =>
      new Promise<void>((resolve) => {
        if (req.complete || req.destroyed) return resolve();
        req.unpipe(stream);
        req.once('end', resolve);
        req.once('close', resolve);
        req.resume();
      }),
  };
}
