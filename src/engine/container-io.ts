// A running container's live streams, as berthd holds them: the shim's stdin
// (the container's stdin, or its terminal's input) and the output the shim
// forwards (besides writing the log), fanned out to every attached client.
// While nobody is attached the output is dropped: the log has it.
import type { Readable, Writable } from 'node:stream';

export type StreamName = 'stdout' | 'stderr';

export interface Attachment {
  write(stream: StreamName, chunk: Buffer): void;
  /** The container's output ended (it exited). */
  end(): void;
}

export class ContainerIo {
  private readonly attached = new Set<Attachment>();
  private open = 2;

  constructor(
    readonly stdin: Writable | null,
    private readonly stdout: Readable | null,
    private readonly stderr: Readable | null,
    readonly tty: boolean,
  ) {
    this.pipe('stdout', stdout);
    this.pipe('stderr', stderr);
  }

  /** Let go of the shim's streams (daemon shutdown): the shim carries on, logging alone. */
  close(): void {
    this.stdin?.destroy();
    this.stdout?.destroy();
    this.stderr?.destroy();
  }

  private pipe(name: StreamName, source: Readable | null): void {
    if (!source) {
      this.closed();
      return;
    }
    source.on('data', (chunk: Buffer) => {
      for (const a of this.attached) a.write(name, chunk);
    });
    source.on('error', () => {});
    source.on('close', () => this.closed());
  }

  private closed(): void {
    if (--this.open > 0) return;
    for (const a of this.attached) a.end();
    this.attached.clear();
  }

  get ended(): boolean {
    return this.open <= 0;
  }

  attach(a: Attachment): () => void {
    if (this.ended) {
      a.end();
      return () => {};
    }
    this.attached.add(a);
    return () => this.attached.delete(a);
  }
}
