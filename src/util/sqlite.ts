// berth's one metadata database (better-sqlite3, WAL). Each store owns its
// tables and brings its own migrations; `migrate` applies the ones not yet
// applied, each in one transaction, so a crash never leaves half a schema.
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { fromErrno } from './errors.ts';

// Loaded on first use: client commands share the bundle and never open a database.
const requireNative = createRequire(import.meta.url);

export type Db = Database.Database;

export function openDatabase(path: string): Db {
  let db: Db;
  try {
    const Sqlite = requireNative('better-sqlite3') as typeof Database;
    db = new Sqlite(path);
  } catch (err) {
    throw fromErrno(err, `opening the metadata database ${path}`);
  }
  db.pragma('journal_mode = WAL');
  // FULL: a committed metadata change survives a power cut, as blobs do.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (module TEXT NOT NULL, step INTEGER NOT NULL, PRIMARY KEY (module, step))',
  );
  return db;
}

/** Apply `steps[i]` (SQL) for every i not yet recorded for `module`. */
export function migrate(db: Db, module: string, steps: string[]): void {
  const done = new Set(
    db
      .prepare('SELECT step FROM schema_migrations WHERE module = ?')
      .all(module)
      .map((r) => (r as { step: number }).step),
  );
  steps.forEach((sql, step) => {
    if (done.has(step)) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (module, step) VALUES (?, ?)').run(module, step);
    })();
  });
}
