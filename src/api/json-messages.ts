// Docker's progress stream: JSON messages, one per line (ending "\r\n" as
// dockerd's stream formatter writes them). The response starts with the first
// message, so a failure before it is still an ordinary HTTP error; a failure
// after it can only be a message of its own, `{"errorDetail":{...},"error":...}`,
// which Docker's clients turn back into an error.
import type { ServerResponse } from 'node:http';
import { asBerthError } from '../util/errors.ts';
import type { RequestContext } from './request-context.ts';

/** The fields of Docker's JSONMessage that berth sends, in Docker's order. */
export interface JsonMessage {
  stream?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  id?: string;
  errorDetail?: { message: string };
  error?: string;
  aux?: unknown;
}

export class JsonMessageStream {
  readonly #ctx: RequestContext;
  #res: ServerResponse | undefined;

  constructor(ctx: RequestContext) {
    this.#ctx = ctx;
  }

  /** Whether the response has started: from then on errors go in the stream. */
  get started(): boolean {
    return this.#res !== undefined;
  }

  write(message: JsonMessage): void {
    this.#res ??= this.#ctx.startStream('application/json');
    this.#res.write(`${JSON.stringify(message)}\r\n`);
  }

  status(text: string, id?: string): void {
    this.write(id === undefined ? { status: text } : { status: text, id });
  }

  stream(text: string): void {
    this.write({ stream: text });
  }

  error(err: unknown): void {
    const message = asBerthError(err).message;
    this.write({ errorDetail: { message }, error: message });
  }

  /** End the response (an empty 200 stream when nothing was written). */
  end(): void {
    this.#res ??= this.#ctx.startStream('application/json');
    this.#res.end();
  }
}
