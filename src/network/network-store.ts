// The networks, endpoints and sandboxes tables of berth's metadata database. A row is
// written before the thing it describes is made and deleted after it is gone, so after
// a crash every interface, allocation and rule berth may have made has a row that
// says how to undo it (network-manager.ts reconciles at start).
import { conflict, notFound } from '../util/errors.ts';
import { type Db, migrate } from '../util/sqlite.ts';
import type { EndpointRecord, NetworkRecord, SandboxRecord } from './network-record.ts';

const MIGRATIONS = [
  `CREATE TABLE networks (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, record TEXT NOT NULL);
   CREATE TABLE endpoints (container_id TEXT NOT NULL, network_id TEXT NOT NULL, record TEXT NOT NULL,
     PRIMARY KEY (container_id, network_id));
   CREATE TABLE sandboxes (container_id TEXT PRIMARY KEY, record TEXT NOT NULL)`,
];

const parse = <T>(rows: { record: string }[]): T[] => rows.map((r) => JSON.parse(r.record) as T);

export class NetworkStore {
  constructor(private readonly db: Db) {
    migrate(db, 'networks', MIGRATIONS);
  }

  list(): NetworkRecord[] {
    return parse<NetworkRecord>(this.db.prepare('SELECT record FROM networks').all() as { record: string }[]);
  }

  get(id: string): NetworkRecord | undefined {
    return this.list().find((n) => n.id === id);
  }

  /** By full name, then full ID, then unique ID prefix (Docker's order). */
  resolve(ref: string): NetworkRecord {
    const all = this.list();
    const hit =
      all.find((n) => n.name === ref) ??
      all.find((n) => n.id === ref) ??
      (() => {
        const byPrefix = all.filter((n) => n.id.startsWith(ref));
        if (byPrefix.length > 1)
          throw conflict(`network ${ref} is ambiguous (${byPrefix.length} matches found)`);
        return byPrefix[0];
      })();
    if (!hit) throw notFound(`network ${ref} not found`);
    return hit;
  }

  add(n: NetworkRecord): void {
    try {
      this.db
        .prepare('INSERT INTO networks (id, name, record) VALUES (?, ?, ?)')
        .run(n.id, n.name, JSON.stringify(n));
    } catch (err) {
      if (String(err).includes('UNIQUE')) throw conflict(`network with name ${n.name} already exists`);
      throw err;
    }
  }

  save(n: NetworkRecord): void {
    this.db
      .prepare('UPDATE networks SET name = ?, record = ? WHERE id = ?')
      .run(n.name, JSON.stringify(n), n.id);
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM networks WHERE id = ?').run(id);
  }

  endpoints(filter: { containerId?: string; networkId?: string } = {}): EndpointRecord[] {
    const rows = this.db
      .prepare(
        'SELECT record FROM endpoints WHERE (@c IS NULL OR container_id = @c) AND (@n IS NULL OR network_id = @n) ORDER BY rowid',
      )
      .all({ c: filter.containerId ?? null, n: filter.networkId ?? null }) as { record: string }[];
    return parse<EndpointRecord>(rows);
  }

  saveEndpoint(e: EndpointRecord): void {
    this.db
      .prepare('INSERT OR REPLACE INTO endpoints (container_id, network_id, record) VALUES (?, ?, ?)')
      .run(e.containerId, e.networkId, JSON.stringify(e));
  }

  removeEndpoint(containerId: string, networkId: string): void {
    this.db
      .prepare('DELETE FROM endpoints WHERE container_id = ? AND network_id = ?')
      .run(containerId, networkId);
  }

  sandboxes(): SandboxRecord[] {
    return parse<SandboxRecord>(
      this.db.prepare('SELECT record FROM sandboxes').all() as { record: string }[],
    );
  }

  sandbox(containerId: string): SandboxRecord | undefined {
    const row = this.db.prepare('SELECT record FROM sandboxes WHERE container_id = ?').get(containerId) as
      | { record: string }
      | undefined;
    return row ? (JSON.parse(row.record) as SandboxRecord) : undefined;
  }

  saveSandbox(s: SandboxRecord): void {
    this.db
      .prepare('INSERT OR REPLACE INTO sandboxes (container_id, record) VALUES (?, ?)')
      .run(s.containerId, JSON.stringify(s));
  }

  removeSandbox(containerId: string): void {
    this.db.prepare('DELETE FROM sandboxes WHERE container_id = ?').run(containerId);
  }
}
