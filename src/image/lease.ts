// Leases protect what a pull, build, import or load is still putting together
// (blobs not yet named by any image, snapshots not yet recorded) from garbage
// collection. Only the daemon collects garbage, so leases live in its memory:
// after a crash nothing is in progress, and what the crash left is garbage.

export class Leases {
  private readonly held = new Map<string, number>();

  /** Protect these names (digests, snapshot names) until `release` is called. */
  take(): Lease {
    const names: string[] = [];
    return {
      add: (name: string) => {
        names.push(name);
        this.held.set(name, (this.held.get(name) ?? 0) + 1);
      },
      release: () => {
        for (const n of names.splice(0)) {
          const c = (this.held.get(n) ?? 1) - 1;
          if (c <= 0) this.held.delete(n);
          else this.held.set(n, c);
        }
      },
    };
  }

  has(name: string): boolean {
    return this.held.has(name);
  }
}

export interface Lease {
  add(name: string): void;
  release(): void;
}
