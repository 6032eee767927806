// At most N transfers at a time, daemon-wide (Docker's max-concurrent-downloads
// and -uploads): the rest wait their turn in the order they asked.

export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Run `work` when a slot is free; `onWait` is called first if it has to wait. */
  async run<T>(work: () => Promise<T>, onWait?: () => void): Promise<T> {
    if (this.active >= this.limit) {
      onWait?.();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
