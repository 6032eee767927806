// Making a tar member's name safe to use under a target directory.
//
// Decisions: an absolute name is taken relative to the target (leading slashes
// are dropped, as Docker treats `/etc/x` as `etc/x` of the rootfs); `.` and
// empty components are dropped; any `..` component refuses the whole layer, even
// one that would stay inside (`a/../b`), since no honest layer writer makes one.
import { invalidArgument } from '../util/errors.ts';

export interface MemberPath {
  /** Normalized, relative, no trailing slash; '' is the target itself. */
  rel: string;
  /** The parent's rel ('' at top level). */
  parent: string;
  /** The last component ('' for the target itself). */
  base: string;
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

/** Normalize a member name (or a hardlink's target, `what` says which) or refuse it. */
export function parseMemberName(name: string, member: string, what = 'its name'): MemberPath {
  if (name.includes('\0')) throw refused(member, `${what} contains a NUL byte`);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..')
      throw refused(member, `${what} has a ".." component, which could reach outside the target`);
    parts.push(part);
  }
  const base = parts.length ? parts[parts.length - 1] : '';
  return { rel: parts.join('/'), parent: parts.slice(0, -1).join('/'), base };
}

export function refused(member: string, why: string) {
  return invalidArgument(`layer member ${JSON.stringify(member)} is refused: ${why}`);
}

/** The parent of a rel path ('' for a top-level name). */
export function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i === -1 ? '' : rel.slice(0, i);
}
