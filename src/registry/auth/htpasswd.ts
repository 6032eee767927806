// The htpasswd file: `user:hash` lines, bcrypt hashes only (what `htpasswd -B`
// writes, and the only kind distribution accepts). The file is read again whenever
// its identity (inode, size, mtime) changes, so adding a user needs no restart. A
// file that turns bad after start locks everyone out until it is fixed: failing
// closed is safer than going on with a list the administrator meant to change.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { BerthError, fromErrno } from '../../util/errors.ts';
import { VerifiedCache } from './verified-cache.ts';

const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

/** Compared against when the user is unknown, so that a miss costs what a hit costs. */
const DECOY_HASH = '$2b$10$s3mXxxe40XsiiIdFipbiTOh8RnsQ/z2BDsfjpcJy43AZjMK.u2r56';

/** Users and their bcrypt hashes; `file` names the source in errors. */
export function parseHtpasswd(text: string, file: string): Map<string, string> {
  const users = new Map<string, string>();
  const lineOf = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const at = `${file}:${i + 1}`;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new BerthError('InvalidArgument', `${at}: not a "user:hash" line`);
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1).trim();
    if (!BCRYPT.test(hash)) {
      throw new BerthError(
        'InvalidArgument',
        `${at}: the entry for user "${user}" is not a bcrypt hash ($2y$, $2a$ or $2b$); ` +
          'berth checks bcrypt only: make the entry with `htpasswd -B`',
      );
    }
    const earlier = lineOf.get(user);
    if (earlier !== undefined) {
      throw new BerthError(
        'InvalidArgument',
        `${at}: user "${user}" is listed again (first on line ${earlier})`,
      );
    }
    users.set(user, hash);
    lineOf.set(user, i + 1);
  });
  return users;
}

/** Read and parse an htpasswd file; errors name `configKey` and the file. */
export async function readHtpasswd(path: string, configKey: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw fromErrno(err, `${configKey}: cannot read the htpasswd file ${path}`);
  }
  try {
    return parseHtpasswd(text, path);
  } catch (err) {
    if (err instanceof BerthError) throw new BerthError(err.code, `${configKey}: ${err.message}`);
    throw err;
  }
}

/** A short fingerprint of a user's current hash: tokens made from it die when the password changes. */
export function hashFingerprint(hash: string): string {
  return createHash('sha256').update(hash).digest('base64url').slice(0, 16);
}

export interface HtpasswdOptions {
  log?: (line: string) => void;
  now?: () => number;
  /** How long a successful check is remembered, in milliseconds. */
  cacheMs?: number;
}

export class HtpasswdFile {
  readonly path: string;
  readonly #configKey: string;
  readonly #log: (line: string) => void;
  readonly #cache: VerifiedCache;
  #users: Map<string, string>;
  #version: string;
  #checking: Promise<void> | undefined;

  private constructor(
    path: string,
    configKey: string,
    users: Map<string, string>,
    version: string,
    opts: HtpasswdOptions,
  ) {
    this.path = path;
    this.#configKey = configKey;
    this.#users = users;
    this.#version = version;
    this.#log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.#cache = new VerifiedCache({ ttlMs: opts.cacheMs ?? 60_000, now: opts.now ?? Date.now });
  }

  /** Load the file now; a missing or bad file is an error naming `configKey` and the path. */
  static async open(path: string, configKey: string, opts: HtpasswdOptions = {}): Promise<HtpasswdFile> {
    const version = await versionOf(path).catch((err) => {
      throw fromErrno(err, `${configKey}: cannot read the htpasswd file ${path}`);
    });
    const users = await readHtpasswd(path, configKey);
    return new HtpasswdFile(path, configKey, users, version, opts);
  }

  /** The user's current hash, after picking up any change to the file. */
  async hashOf(user: string): Promise<string | undefined> {
    await this.#refresh();
    return this.#users.get(user);
  }

  /** Whether `password` is `user`'s; a recent success is remembered instead of paying bcrypt again. */
  async verify(user: string, password: string): Promise<boolean> {
    const hash = await this.hashOf(user);
    if (hash === undefined) {
      await bcrypt.compare(password, DECOY_HASH);
      return false;
    }
    return this.#cache.check(user, password, hash, () => bcrypt.compare(password, hash));
  }

  #refresh(): Promise<void> {
    this.#checking ??= this.#reloadIfChanged().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #reloadIfChanged(): Promise<void> {
    let version: string;
    try {
      version = await versionOf(this.path);
    } catch (err) {
      if (this.#version !== 'gone')
        this.#fail('gone', fromErrno(err, `cannot read the htpasswd file ${this.path}`).message);
      return;
    }
    if (version === this.#version) return;
    try {
      this.#users = await readHtpasswd(this.path, this.#configKey);
      this.#version = version;
      this.#cache.clear();
    } catch (err) {
      this.#fail(version, err instanceof Error ? err.message : String(err));
    }
  }

  /** Lock everyone out until the file changes again (a bad version is not read twice). */
  #fail(version: string, why: string): void {
    this.#version = version;
    this.#users = new Map();
    this.#cache.clear();
    this.#log(`registry auth: every login is refused until the htpasswd file is fixed: ${why}`);
  }
}

async function versionOf(path: string): Promise<string> {
  const st = await stat(path, { bigint: true });
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}
