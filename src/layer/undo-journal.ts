// The undo journal of one layer application: how a refused or broken layer leaves
// the target exactly as it was. Before anything that existed is touched, the
// journal records how to put it back: entries the layer replaces or deletes are
// renamed aside into a staging directory on the same filesystem (a rename, never
// a copy), directories whose metadata or children change have their mode, owner
// and times saved, and xattrs their old values. New top-level entries are
// recorded so they can be removed (anything created inside a directory the layer
// itself created goes with it). Rollback replays the journal backwards, so every
// step undoes onto exactly the state that step left.
//
// The staging directory is a sibling of the target when both are on one
// filesystem and the parent is writable; else (the target is a mount point) a
// hidden directory inside it with a random name, which the applier keeps out of
// the layer's reach.
import { randomBytes } from 'node:crypto';
import {
  type BigIntStats,
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  renameSync,
  rmSync,
  utimesSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { SysHelper } from './sys-helper.ts';

type UndoOp =
  | { kind: 'created'; rel: string }
  | { kind: 'moved'; rel: string; aside: string }
  | { kind: 'dir-meta'; rel: string; st: BigIntStats }
  | { kind: 'xattr'; rel: string; name: string; old: Buffer | undefined };

export class UndoJournal {
  private readonly ops: UndoOp[] = [];
  private staging: string | undefined;
  private asideCount = 0;
  /** The staging directory's name when it lives inside the target, else undefined. */
  stagingInside: string | undefined;

  constructor(private readonly root: string) {}

  /** `rel` did not exist and is about to be created in a directory that did. */
  created(rel: string): void {
    this.ops.push({ kind: 'created', rel });
  }

  /** Move an existing entry (a whole subtree for a directory) out of the way, keeping it. */
  moveAside(rel: string): void {
    const aside = join(this.stagingDir(), String(this.asideCount++));
    renameSync(this.abs(rel), aside);
    this.ops.push({ kind: 'moved', rel, aside });
  }

  /** An existing directory's mode, owner and times, before its metadata or children change. */
  saveDirMeta(rel: string, st: BigIntStats): void {
    this.ops.push({ kind: 'dir-meta', rel, st });
  }

  saveXattr(rel: string, name: string, old: Buffer | undefined): void {
    this.ops.push({ kind: 'xattr', rel, name, old });
  }

  /** Put everything back; returns what could not be undone (empty when all went well). */
  async rollback(sys: SysHelper): Promise<string[]> {
    const problems: string[] = [];
    for (let i = this.ops.length - 1; i >= 0; i--) {
      const op = this.ops[i];
      const abs = this.abs(op.rel);
      try {
        switch (op.kind) {
          case 'created':
            rmSync(abs, { recursive: true, force: true });
            break;
          case 'moved':
            rmSync(abs, { recursive: true, force: true });
            renameSync(op.aside, abs);
            break;
          case 'dir-meta':
            chownSync(abs, Number(op.st.uid), Number(op.st.gid));
            chmodSync(abs, Number(op.st.mode & 0o7777n));
            utimesSync(abs, Number(op.st.atimeNs) / 1e9, Number(op.st.mtimeNs) / 1e9);
            break;
          case 'xattr':
            if (op.old) await sys.setXattr(abs, op.name, op.old);
            else await sys.removeXattr(abs, op.name).catch(() => {});
            break;
        }
      } catch (err) {
        problems.push(`${op.kind} ${op.rel || '.'}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (problems.length === 0) {
      await this.removeStaging();
      // Removing a staging directory inside the target touched the target's own times again.
      const root = this.ops.find((op) => op.kind === 'dir-meta' && op.rel === '');
      if (this.stagingInside && root?.kind === 'dir-meta') {
        utimesSync(this.root, Number(root.st.atimeNs) / 1e9, Number(root.st.mtimeNs) / 1e9);
      }
    }
    return problems;
  }

  /** The layer is in: drop what was kept for undo. */
  async commit(): Promise<void> {
    await this.removeStaging();
  }

  /** Where kept entries wait, for messages when rollback fails. */
  get stagingPath(): string | undefined {
    return this.staging;
  }

  private async removeStaging() {
    if (this.staging) await rm(this.staging, { recursive: true, force: true });
    this.staging = undefined;
  }

  private stagingDir(): string {
    if (this.staging) return this.staging;
    const tag = randomBytes(8).toString('hex');
    const parent = dirname(this.root);
    if (parent !== this.root && lstatSync(parent).dev === lstatSync(this.root).dev) {
      const beside = join(parent, `.berth-undo-${basename(this.root)}-${tag}`);
      try {
        mkdirSync(beside, { mode: 0o700 });
        this.staging = beside;
        return beside;
      } catch {
        // The parent is not ours to write (read-only, or permissions): keep it inside instead.
      }
    }
    this.saveDirMeta('', lstatSync(this.root, { bigint: true }));
    this.stagingInside = `.berth-undo-${tag}`;
    this.staging = join(this.root, this.stagingInside);
    mkdirSync(this.staging, { mode: 0o700 });
    return this.staging;
  }

  private abs(rel: string) {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }
}
