// The Snapshotter interface: layer directories and container layers.
//
// A committed snapshot has a `name` (for image layers, the layer's chain ID) and
// is read-only from then on; an active snapshot has a `key` and is writable (a
// layer being unpacked, a container's writable layer). `prepare` and `view`
// return mounts as plain data: the caller (the native core, or a test) mounts
// them. The snapshotter never mounts anything itself.

export interface Mount {
  type: 'overlay' | 'bind';
  source: string;
  options: string[];
}

export type SnapshotKind = 'active' | 'view' | 'committed';

export interface SnapshotInfo {
  /** The key of an active snapshot or view, or the name of a committed one. */
  name: string;
  parent?: string;
  kind: SnapshotKind;
  created: number;
}

export type StorageDriver = 'overlay' | 'vfs';

export interface Snapshotter {
  readonly driver: StorageDriver;
  /**
   * How a layer tar must be applied into `applyDir` of an active snapshot:
   * overlay layers keep deletions as overlay whiteouts, vfs snapshots are
   * whole trees where deletions really delete.
   */
  readonly whiteouts: 'overlay' | 'apply';
  /** A new writable snapshot on top of the committed `parent`. */
  prepare(key: string, parent?: string): Promise<Mount[]>;
  /** A read-only view of the committed `parent`. */
  view(key: string, parent: string): Promise<Mount[]>;
  /** The mounts of an active snapshot or view. */
  mounts(key: string): Promise<Mount[]>;
  /** The directory into which an active snapshot's changes are written directly (no mount needed). */
  applyDir(key: string): string;
  /**
   * Turn the active snapshot `key` into the committed snapshot `name`. With
   * `parent` (overlay only), it is committed on top of that committed snapshot
   * instead of the one it was prepared on: an overlay layer's directory holds
   * only its own changes, so a layer unpacked before its parent was known can
   * still take its place in the chain.
   */
  commit(name: string, key: string, opts?: { parent?: string }): Promise<void>;
  /** Remove a snapshot; refused while another snapshot has it as parent. */
  remove(name: string): Promise<void>;
  stat(name: string): SnapshotInfo | undefined;
  list(): SnapshotInfo[];
  /** Bytes and inodes used by the snapshot's own directory. */
  usage(name: string): Promise<{ size: number; inodes: number }>;
}
