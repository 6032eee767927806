// Which repositories of which registries are known to hold a blob: written
// when a blob is pulled from or pushed to one, read when pushing, so a blob
// that another repository of the same registry has is mounted from there
// instead of uploaded again. A stale row costs one refused mount, nothing more.
import type { Digest } from '../oci/digest.ts';
import { type Db, migrate } from '../util/sqlite.ts';

const MIGRATIONS = [
  `CREATE TABLE blob_sources (
     digest     TEXT NOT NULL,
     registry   TEXT NOT NULL,
     repository TEXT NOT NULL,
     updated    INTEGER NOT NULL,
     PRIMARY KEY (digest, registry, repository)
   );`,
];

/** Mounts tried for one blob before it is uploaded. */
const MAX_CANDIDATES = 3;

export class BlobSources {
  private static readonly opened = new WeakMap<Db, BlobSources>();

  private constructor(private readonly db: Db) {
    migrate(db, 'distribution', MIGRATIONS);
  }

  /** The table in `db` (made on first use). */
  static of(db: Db): BlobSources {
    let sources = BlobSources.opened.get(db);
    if (!sources) {
      sources = new BlobSources(db);
      BlobSources.opened.set(db, sources);
    }
    return sources;
  }

  record(registry: string, repository: string, digests: readonly Digest[]): void {
    const insert = this.db.prepare(
      `INSERT INTO blob_sources (digest, registry, repository, updated) VALUES (?, ?, ?, ?)
       ON CONFLICT (digest, registry, repository) DO UPDATE SET updated = excluded.updated`,
    );
    const now = Date.now();
    this.db.transaction(() => {
      for (const d of new Set(digests)) insert.run(d, registry, repository, now);
    })();
  }

  /** Other repositories of `registry` known to have `digest`, most recent first. */
  candidates(digest: Digest, registry: string, except: string): string[] {
    return (
      this.db
        .prepare(
          'SELECT repository FROM blob_sources WHERE digest = ? AND registry = ? AND repository != ? ORDER BY updated DESC LIMIT ?',
        )
        .all(digest, registry, except, MAX_CANDIDATES) as { repository: string }[]
    ).map((r) => r.repository);
  }
}
