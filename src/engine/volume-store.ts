// Named and anonymous volumes of the `local` driver: a directory per volume under
// `<root>/volumes/<name>/_data` (Docker's layout), recorded in the volumes table.
// Removing a volume a container still mounts is refused.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { conflict, invalidArgument, notFound } from '../util/errors.ts';
import { type Db, migrate } from '../util/sqlite.ts';

const MIGRATIONS = [
  `CREATE TABLE volumes (
     name TEXT PRIMARY KEY,
     created TEXT NOT NULL,
     labels TEXT NOT NULL,
     options TEXT NOT NULL,
     anonymous INTEGER NOT NULL
   )`,
];

const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export interface Volume {
  name: string;
  created: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  anonymous: boolean;
  mountpoint: string;
}

interface Row {
  name: string;
  created: string;
  labels: string;
  options: string;
  anonymous: number;
}

export class VolumeStore {
  private readonly dir: string;

  constructor(
    private readonly db: Db,
    root: string,
    /** Names of the containers that mount a volume (the engine knows). */
    private readonly usedBy: (name: string) => string[] = () => [],
  ) {
    migrate(db, 'volumes', MIGRATIONS);
    this.dir = join(root, 'volumes');
  }

  private view(r: Row): Volume {
    return {
      name: r.name,
      created: r.created,
      labels: JSON.parse(r.labels),
      options: JSON.parse(r.options),
      anonymous: r.anonymous === 1,
      mountpoint: join(this.dir, r.name, '_data'),
    };
  }

  get(name: string): Volume | undefined {
    const r = this.db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as Row | undefined;
    return r ? this.view(r) : undefined;
  }

  inspect(name: string): Volume {
    const v = this.get(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return v;
  }

  list(): Volume[] {
    return (this.db.prepare('SELECT * FROM volumes ORDER BY name').all() as Row[]).map((r) => this.view(r));
  }

  /**
   * Create the volume, or return the existing one of that name (Docker's create is
   * idempotent). No name: an anonymous volume with a random 64-hex name.
   */
  create(
    name?: string,
    opts: { labels?: Record<string, string>; options?: Record<string, string>; driver?: string } = {},
  ): { volume: Volume; created: boolean } {
    if (opts.driver && opts.driver !== 'local')
      throw notFound(`error looking up volume plugin ${opts.driver}: plugin "${opts.driver}" not found`);
    if (name !== undefined && !VALID_NAME.test(name))
      throw invalidArgument(
        `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      );
    const existing = name === undefined ? undefined : this.get(name);
    if (existing) return { volume: existing, created: false };
    const volumeName = name ?? randomBytes(32).toString('hex');
    mkdirSync(join(this.dir, volumeName, '_data'), { recursive: true, mode: 0o755 });
    this.db
      .prepare('INSERT INTO volumes (name, created, labels, options, anonymous) VALUES (?, ?, ?, ?, ?)')
      .run(
        volumeName,
        new Date().toISOString(),
        JSON.stringify(opts.labels ?? {}),
        JSON.stringify(opts.options ?? {}),
        name === undefined ? 1 : 0,
      );
    return { volume: this.inspect(volumeName), created: true };
  }

  remove(name: string, opts: { force?: boolean } = {}): void {
    const v = this.get(name);
    if (!v) {
      if (opts.force) return;
      throw notFound(`get ${name}: no such volume`);
    }
    const users = this.usedBy(name);
    if (users.length) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    this.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
    rmSync(join(this.dir, name), { recursive: true, force: true });
  }

  /** Remove unused volumes: anonymous ones only unless `all` (Docker 23+'s rule). */
  prune(opts: { all?: boolean; keep?: (v: Volume) => boolean } = {}): { removed: string[]; bytes: number } {
    const removed: string[] = [];
    for (const v of this.list()) {
      if (!opts.all && !v.anonymous) continue;
      if (this.usedBy(v.name).length || opts.keep?.(v)) continue;
      this.remove(v.name);
      removed.push(v.name);
    }
    return { removed, bytes: 0 };
  }
}
