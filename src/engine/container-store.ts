// The containers table of berth's metadata database: one row per container, its
// record as JSON beside the columns that are looked up (id, name). Every change is
// one statement, so a crash leaves either the old record or the new one.
import { BerthError, conflict, notFound } from '../util/errors.ts';
import { type Db, migrate } from '../util/sqlite.ts';
import type { ContainerRecord } from './container-record.ts';

const MIGRATIONS = [
  `CREATE TABLE containers (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     image_id TEXT NOT NULL,
     created TEXT NOT NULL,
     record TEXT NOT NULL
   )`,
];

interface Row {
  record: string;
}

export class ContainerStore {
  constructor(private readonly db: Db) {
    migrate(db, 'containers', MIGRATIONS);
  }

  add(record: ContainerRecord): void {
    try {
      this.db
        .prepare('INSERT INTO containers (id, name, image_id, created, record) VALUES (?, ?, ?, ?, ?)')
        .run(record.id, record.name, record.imageId, record.created, JSON.stringify(record));
    } catch (err) {
      if (String(err).includes('UNIQUE constraint failed: containers.name'))
        throw nameInUse(record.name, this);
      throw err;
    }
  }

  save(record: ContainerRecord): void {
    const r = this.db
      .prepare('UPDATE containers SET name = ?, record = ? WHERE id = ?')
      .run(record.name, JSON.stringify(record), record.id);
    if (r.changes === 0) throw notFound(`No such container: ${record.id}`);
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM containers WHERE id = ?').run(id);
  }

  get(id: string): ContainerRecord | undefined {
    const row = this.db.prepare('SELECT record FROM containers WHERE id = ?').get(id) as Row | undefined;
    return row ? (JSON.parse(row.record) as ContainerRecord) : undefined;
  }

  /** Newest first, as `ps` lists them. */
  list(): ContainerRecord[] {
    return (this.db.prepare('SELECT record FROM containers ORDER BY created DESC, id').all() as Row[]).map(
      (r) => JSON.parse(r.record) as ContainerRecord,
    );
  }

  byName(name: string): ContainerRecord | undefined {
    const row = this.db.prepare('SELECT record FROM containers WHERE name = ?').get(name) as Row | undefined;
    return row ? (JSON.parse(row.record) as ContainerRecord) : undefined;
  }

  /**
   * Docker's lookup: a full ID, then a name (with or without the leading slash), then a
   * unique ID prefix.
   */
  resolve(ref: string): ContainerRecord {
    const exact = this.get(ref) ?? this.byName(ref.replace(/^\//, ''));
    if (exact) return exact;
    if (/^[0-9a-f]{1,63}$/.test(ref)) {
      const rows = this.db
        .prepare("SELECT record FROM containers WHERE id LIKE ? || '%' LIMIT 2")
        .all(ref) as Row[];
      if (rows.length === 1) return JSON.parse(rows[0].record) as ContainerRecord;
      if (rows.length > 1)
        throw new BerthError('InvalidArgument', `multiple IDs found with provided prefix: ${ref}`);
    }
    throw notFound(`No such container: ${ref}`);
  }

  imagesInUse(): { imageId: string; id: string; status: string }[] {
    return this.list().map((r) => ({ imageId: r.imageId, id: r.id, status: r.state.Status }));
  }
}

function nameInUse(name: string, store: ContainerStore): BerthError {
  const holder = store.byName(name);
  return conflict(
    `Conflict. The container name "/${name}" is already in use by container "${holder?.id ?? '?'}". You have to remove (or rename) that container to be able to reuse that name.`,
  );
}
