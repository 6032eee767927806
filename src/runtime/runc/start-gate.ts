// The start gate of a container made by `berth-runc create`: berth-native waits for
// START on its handshake socket, which must stay open after `create` exits. A holder
// process (berth-runc itself, detached) keeps the socket and listens on
// <state dir>/start.sock; `berth-runc start` asks it to start the container, it answers
// with the outcome and exits, leaving the container to run on its own.
import { rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { BerthError, type ErrorCode } from '../../util/errors.ts';

export const START_SOCKET = 'start.sock';

interface Answer {
  ok?: boolean;
  error?: string;
  code?: ErrorCode;
}

/** Ask the holder of the container whose state directory is `dir` to start it. */
export function requestStart(dir: string): Promise<void> {
  const path = join(dir, START_SOCKET);
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let text = '';
    sock.on('connect', () => sock.write('start\n'));
    sock.on('data', (c: Buffer) => {
      text += c.toString('utf8');
    });
    sock.on('error', (e) =>
      reject(
        new BerthError('FailedPrecondition', `the container's start gate is gone (${path}): ${e.message}`),
      ),
    );
    sock.on('close', () => {
      let answer: Answer;
      try {
        answer = JSON.parse(text) as Answer;
      } catch {
        return reject(new BerthError('Internal', `the container's start gate closed without an answer`));
      }
      if (answer.ok) resolve();
      else reject(new BerthError(answer.code ?? 'Internal', answer.error ?? 'start failed'));
    });
  });
}

/** Serve the gate until one start request came; resolves after answering it. */
export function serveStartGate(dir: string, start: () => Promise<void>): Promise<void> {
  const path = join(dir, START_SOCKET);
  rmSync(path, { force: true });
  return new Promise((resolve, reject) => {
    let busy = false;
    const server = createServer((sock) => {
      sock.on('error', () => {});
      sock.once('data', async () => {
        if (busy) {
          sock.end(JSON.stringify({ error: 'the container is being started', code: 'Conflict' }));
          return;
        }
        busy = true;
        let answer: Answer;
        let done = true;
        try {
          await start();
          answer = { ok: true };
        } catch (err) {
          const e = err as Partial<BerthError> & Error;
          answer = { error: e.message, code: e.code ?? 'Internal' };
          // a refusal (already started elsewhere) keeps the gate; a failed start ends it
          done = e.code !== 'FailedPrecondition';
          busy = false;
        }
        sock.end(JSON.stringify(answer), () => {
          if (!done) return;
          server.close();
          rmSync(path, { force: true });
          resolve();
        });
      });
    });
    server.on('error', reject);
    server.listen(path);
  });
}
