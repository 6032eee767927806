// Showing a JSON message stream (import, load, and later pull, push, build) as
// Docker's CLI shows it when the output is not a terminal: `stream` text as it
// is, `status` on a line of its own (after its `id:`), and an error message
// ending the command with that error.
import type { Writable } from 'node:stream';
import { BerthError } from '../../util/errors.ts';
import { readJsonLines } from '../client.ts';

interface JsonMessage {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  errorDetail?: { message?: string };
  error?: string;
}

/** Print the messages; rejects with the stream's error message when one comes. */
export async function displayJsonMessages(body: AsyncIterable<unknown>, out: Writable): Promise<void> {
  for await (const m of readJsonLines<JsonMessage>(body)) {
    if (m.errorDetail || m.error) {
      throw new BerthError('Internal', m.errorDetail?.message || m.error || 'the daemon reported an error');
    }
    if (m.stream !== undefined) out.write(m.stream);
    else if (m.status !== undefined) {
      out.write(`${m.id ? `${m.id}: ` : ''}${m.status}${m.progress ? ` ${m.progress}` : ''}\n`);
    }
  }
}
