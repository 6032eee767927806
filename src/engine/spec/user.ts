// The container's user from Docker's `User` ("name", "uid", "name:group", "uid:gid") and
// `GroupAdd`, looked up in the image's /etc/passwd and /etc/group as Docker (runc's user
// package) does: a number needs no entry, a name must have one; the primary group is the
// passwd entry's unless a group is named; supplementary groups are the groups that list the
// user by name (only when no group was named), after the primary group, then GroupAdd.
import { invalidArgument } from '../../util/errors.ts';
import { readFileInRoot } from './rootfs-paths.ts';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** The primary gid first, as Docker lists it, then the supplementary groups. */
  additionalGids: number[];
  /** The passwd entry's home directory, or `/` (runc's default). */
  home: string;
}

const MAX_ID = 2147483647;
const NUMERIC = /^[0-9]+$/;

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

const id = (s: string | undefined) => (s !== undefined && NUMERIC.test(s) ? Number(s) : undefined);

/** Entries of an /etc/passwd; malformed lines (NIS `+` entries, bad ids) are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of lines(text)) {
    const f = line.split(':');
    const uid = id(f[2]);
    const gid = id(f[3]);
    if (!f[0] || uid === undefined || gid === undefined) continue;
    out.push({ name: f[0], uid, gid, home: f[5] ?? '' });
  }
  return out;
}

/** Entries of an /etc/group; malformed lines are skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of lines(text)) {
    const f = line.split(':');
    const gid = id(f[2]);
    if (!f[0] || gid === undefined) continue;
    out.push({ name: f[0], gid, members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

function checkRange(n: number, what: string): number {
  if (n > MAX_ID) throw invalidArgument(`${what} ${n}: uids and gids must be in range 0-${MAX_ID}`);
  return n;
}

/**
 * Resolve `spec` (empty: root) against the image's passwd and group entries (undefined: the
 * file does not exist). Unknown names fail as Docker's do: `unable to find user X: no
 * matching entries in passwd file`.
 */
export function resolveUser(
  spec: string,
  passwd: PasswdEntry[] | undefined,
  group: GroupEntry[] | undefined,
  groupAdd: readonly string[] = [],
): ResolvedUser {
  const colon = spec.indexOf(':');
  const userArg = colon < 0 ? spec : spec.slice(0, colon);
  const groupArg = colon < 0 ? '' : spec.slice(colon + 1);
  const uidArg = id(userArg);
  const gidArg = id(groupArg);

  let uid = 0;
  let gid = 0;
  let home = '';
  let matchedName = '';
  const user = (passwd ?? []).find((u) =>
    userArg === '' ? u.uid === 0 : uidArg !== undefined ? u.uid === uidArg : u.name === userArg,
  );
  if (user) {
    [uid, gid, home, matchedName] = [user.uid, user.gid, user.home, user.name];
  } else if (userArg !== '') {
    if (uidArg === undefined) {
      throw invalidArgument(`unable to find user ${userArg}: no matching entries in passwd file`);
    }
    uid = checkRange(uidArg, 'user');
  }

  let supplementary: number[] = [];
  if (groupArg !== '') {
    const g = (group ?? []).find((e) => (gidArg !== undefined ? e.gid === gidArg : e.name === groupArg));
    if (g) gid = g.gid;
    else if (gidArg === undefined) {
      throw invalidArgument(`unable to find group ${groupArg}: no matching entries in group file`);
    } else gid = checkRange(gidArg, 'group');
  } else if (matchedName) {
    supplementary = (group ?? []).filter((e) => e.members.includes(matchedName)).map((e) => e.gid);
  }

  const added = groupAdd.map((name) => {
    const g = (group ?? []).find((e) => e.name === name || String(e.gid) === name);
    if (g) return g.gid;
    const n = id(name);
    if (n === undefined)
      throw invalidArgument(`unable to find group ${name}: no matching entries in group file`);
    return checkRange(n, 'group');
  });

  const additionalGids: number[] = [];
  for (const g of [gid, ...supplementary, ...added]) if (!additionalGids.includes(g)) additionalGids.push(g);
  return { uid, gid, additionalGids, home: home || '/' };
}

/** Resolve the user against the rootfs's own /etc/passwd and /etc/group (read safely). */
export function resolveUserInRootfs(
  rootfs: string,
  spec: string,
  groupAdd: readonly string[] = [],
): ResolvedUser {
  const passwd = readFileInRoot(rootfs, '/etc/passwd', "reading the image's /etc/passwd");
  const group = readFileInRoot(rootfs, '/etc/group', "reading the image's /etc/group");
  return resolveUser(
    spec,
    passwd === undefined ? undefined : parsePasswd(passwd),
    group === undefined ? undefined : parseGroup(group),
    groupAdd,
  );
}
