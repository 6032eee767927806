// Reading a JSON request body with a size limit, so a client cannot make the
// daemon buffer without bound.
import type { Readable } from 'node:stream';
import { BerthError, invalidArgument } from '../util/errors.ts';

export const DEFAULT_JSON_LIMIT = 4 * 1024 * 1024;

/**
 * The body parsed as JSON, or undefined when empty. Past the limit, reading stops
 * (the stream is paused, not destroyed) so the error can still be answered; the
 * server then closes the connection.
 */
export function readJsonBody<T = unknown>(
  body: Readable,
  limitBytes: number = DEFAULT_JSON_LIMIT,
): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > limitBytes) {
        cleanup();
        body.pause();
        reject(
          new BerthError('InvalidArgument', `request body is larger than the limit of ${limitBytes} bytes`),
        );
        return;
      }
      chunks.push(buf);
    };
    const onEnd = () => {
      cleanup();
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text) as T);
      } catch (err) {
        reject(invalidArgument(`request body is not valid JSON: ${(err as Error).message}`));
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
}
