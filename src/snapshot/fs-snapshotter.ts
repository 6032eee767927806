// Snapshots as directories under `<root>/snapshots/<driver>/<id>/`, with their
// names, parents and kinds in the metadata database. Directories are named by
// a small integer id, not by key, so that commit is a metadata change only and
// overlay's lowerdir list stays short. A crash between the directory and the
// row is repaired at open: rows without directories and directories without
// rows are removed, and so are active snapshots left by an unpack that died.
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BerthError, fromErrno } from '../util/errors.ts';
import { type Db, migrate } from '../util/sqlite.ts';
import type { Mount, SnapshotInfo, SnapshotKind, Snapshotter, StorageDriver } from './snapshotter.ts';

const run = promisify(execFile);

const MIGRATIONS = [
  `CREATE TABLE snapshots (
     id      INTEGER PRIMARY KEY AUTOINCREMENT,
     name    TEXT NOT NULL UNIQUE,
     parent  TEXT REFERENCES snapshots(name),
     kind    TEXT NOT NULL CHECK (kind IN ('active', 'view', 'committed')),
     driver  TEXT NOT NULL,
     created INTEGER NOT NULL
   )`,
];

interface Row {
  id: number;
  name: string;
  parent: string | null;
  kind: SnapshotKind;
  created: number;
}

/** Keys of active snapshots that only live during one unpack or build step. */
export const TRANSIENT_KEY_PREFIX = 'transient/';

export class FsSnapshotter implements Snapshotter {
  readonly whiteouts: 'overlay' | 'apply';
  private readonly dir: string;

  private constructor(
    private readonly db: Db,
    root: string,
    readonly driver: StorageDriver,
  ) {
    this.dir = join(root, 'snapshots', driver);
    this.whiteouts = driver === 'overlay' ? 'overlay' : 'apply';
  }

  static async open(db: Db, root: string, driver: StorageDriver): Promise<FsSnapshotter> {
    migrate(db, 'snapshots', MIGRATIONS);
    const s = new FsSnapshotter(db, root, driver);
    await mkdir(s.dir, { recursive: true });
    await s.repair();
    return s;
  }

  private row(name: string): Row | undefined {
    return this.db
      .prepare('SELECT id, name, parent, kind, created FROM snapshots WHERE name = ? AND driver = ?')
      .get(name, this.driver) as Row | undefined;
  }

  private mustRow(name: string): Row {
    const r = this.row(name);
    if (!r) throw new BerthError('NotFound', `snapshot ${name} does not exist`);
    return r;
  }

  private fsDir = (id: number) => join(this.dir, String(id), 'fs');
  private workDir = (id: number) => join(this.dir, String(id), 'work');

  /** The committed chain from `name` down to the base, nearest first. */
  private chain(name: string): Row[] {
    const out: Row[] = [];
    for (let r: Row | undefined = this.mustRow(name); r; r = r.parent ? this.row(r.parent) : undefined) {
      out.push(r);
    }
    return out;
  }

  private async create(key: string, parent: string | undefined, kind: 'active' | 'view'): Promise<Mount[]> {
    if (parent) {
      const p = this.mustRow(parent);
      if (p.kind !== 'committed') {
        throw new BerthError(
          'FailedPrecondition',
          `snapshot ${parent} is not committed and cannot be a parent`,
        );
      }
    }
    let id: number;
    try {
      id = Number(
        this.db
          .prepare('INSERT INTO snapshots (name, parent, kind, driver, created) VALUES (?, ?, ?, ?, ?)')
          .run(key, parent ?? null, kind, this.driver, Date.now()).lastInsertRowid,
      );
    } catch (err) {
      if (String(err).includes('UNIQUE'))
        throw new BerthError('AlreadyExists', `snapshot ${key} already exists`);
      throw err;
    }
    try {
      await mkdir(this.fsDir(id), { recursive: true, mode: 0o755 });
      if (this.driver === 'overlay') await mkdir(this.workDir(id), { mode: 0o700 });
      else if (parent) await copyTree(this.fsDir(this.mustRow(parent).id), this.fsDir(id));
    } catch (err) {
      await this.removeRow(id);
      throw fromErrno(err, `preparing snapshot ${key}`);
    }
    return this.mounts(key);
  }

  prepare(key: string, parent?: string) {
    return this.create(key, parent, 'active');
  }

  view(key: string, parent: string) {
    return this.create(key, parent, 'view');
  }

  async mounts(key: string): Promise<Mount[]> {
    const r = this.mustRow(key);
    const own = this.fsDir(r.id);
    const readOnly = r.kind !== 'active';
    if (this.driver === 'vfs' || !r.parent) {
      return [{ type: 'bind', source: own, options: [readOnly ? 'ro' : 'rw', 'rbind'] }];
    }
    const lowers = this.chain(r.parent).map((p) => this.fsDir(p.id));
    if (r.kind === 'view') {
      // A view needs no upper layer: one lower is a read-only bind, several an upper-less overlay.
      if (lowers.length === 1) return [{ type: 'bind', source: lowers[0], options: ['ro', 'rbind'] }];
      return [{ type: 'overlay', source: 'overlay', options: [`lowerdir=${lowers.join(':')}`] }];
    }
    return [
      {
        type: 'overlay',
        source: 'overlay',
        options: [`lowerdir=${lowers.join(':')}`, `upperdir=${own}`, `workdir=${this.workDir(r.id)}`],
      },
    ];
  }

  applyDir(key: string): string {
    const r = this.mustRow(key);
    if (r.kind !== 'active') throw new BerthError('FailedPrecondition', `snapshot ${key} is not writable`);
    return this.fsDir(r.id);
  }

  async commit(name: string, key: string, opts: { parent?: string } = {}): Promise<void> {
    const r = this.mustRow(key);
    if (r.kind !== 'active') throw new BerthError('FailedPrecondition', `snapshot ${key} is not active`);
    if (this.row(name)) throw new BerthError('AlreadyExists', `snapshot ${name} already exists`);
    let parent = r.parent;
    if (opts.parent !== undefined) {
      // A vfs snapshot is a copy of its parent: it cannot change parents.
      if (this.driver !== 'overlay')
        throw new BerthError(
          'FailedPrecondition',
          `the ${this.driver} driver cannot commit onto another parent`,
        );
      if (this.row(opts.parent)?.kind !== 'committed')
        throw new BerthError(
          'FailedPrecondition',
          `snapshot ${opts.parent} is not committed and cannot be a parent`,
        );
      parent = opts.parent;
    }
    // The work directory is only for a mounted overlay; a committed layer needs none.
    if (this.driver === 'overlay') await rm(this.workDir(r.id), { recursive: true, force: true });
    this.db
      .prepare("UPDATE snapshots SET name = ?, kind = 'committed', parent = ? WHERE id = ?")
      .run(name, parent, r.id);
  }

  async remove(name: string): Promise<void> {
    const r = this.mustRow(name);
    const child = this.db.prepare('SELECT name FROM snapshots WHERE parent = ? LIMIT 1').get(name) as
      | { name: string }
      | undefined;
    if (child) {
      throw new BerthError(
        'FailedPrecondition',
        `snapshot ${name} is the parent of ${child.name}; remove that first`,
      );
    }
    await this.removeRow(r.id);
  }

  /** The row goes first: a crash then leaves only an orphan directory, which open() removes. */
  private async removeRow(id: number): Promise<void> {
    this.db.prepare('DELETE FROM snapshots WHERE id = ?').run(id);
    await rm(join(this.dir, String(id)), { recursive: true, force: true });
  }

  stat(name: string): SnapshotInfo | undefined {
    const r = this.row(name);
    return r && toInfo(r);
  }

  list(): SnapshotInfo[] {
    return (
      this.db
        .prepare('SELECT id, name, parent, kind, created FROM snapshots WHERE driver = ? ORDER BY id')
        .all(this.driver) as Row[]
    ).map(toInfo);
  }

  async usage(name: string): Promise<{ size: number; inodes: number }> {
    const dir = this.fsDir(this.mustRow(name).id);
    // du counts each hardlinked inode once, in allocated blocks, as docker's df does.
    const [{ stdout: bytes }, { stdout: inodes }] = await Promise.all([
      run('du', ['-s', '-B1', dir]),
      run('du', ['-s', '--inodes', dir]),
    ]);
    return { size: Number.parseInt(bytes, 10), inodes: Number.parseInt(inodes, 10) };
  }

  private async repair(): Promise<void> {
    const stale = this.db
      .prepare('SELECT id FROM snapshots WHERE driver = ? AND kind != ? AND name LIKE ?')
      .all(this.driver, 'committed', `${TRANSIENT_KEY_PREFIX}%`) as { id: number }[];
    for (const { id } of stale) await this.removeRow(id);
    const known = new Set(
      (this.db.prepare('SELECT id FROM snapshots WHERE driver = ?').all(this.driver) as { id: number }[]).map(
        (r) => String(r.id),
      ),
    );
    for (const entry of await readdir(this.dir)) {
      if (!known.has(entry)) await rm(join(this.dir, entry), { recursive: true, force: true });
    }
    for (const id of known) {
      const present = await readdir(join(this.dir, id)).then(
        () => true,
        () => false,
      );
      if (!present) this.db.prepare('DELETE FROM snapshots WHERE id = ?').run(Number(id));
    }
  }
}

function toInfo(r: Row): SnapshotInfo {
  return { name: r.name, parent: r.parent ?? undefined, kind: r.kind, created: r.created };
}

/** A full copy for vfs: cp keeps owners, modes, links, devices and xattrs, and reflinks where it can. */
async function copyTree(from: string, to: string): Promise<void> {
  await run('cp', ['-a', '--reflink=auto', `${from}/.`, to]);
}
