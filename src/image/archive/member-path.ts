// Names inside an image archive. A tar member name and a path written in
// manifest.json are untrusted: both are normalised to a relative path with no
// `.`/`..` steps, and any name that would climb out of the archive (`../x`,
// `/etc/passwd`, `a/../../b`) is refused rather than cleaned up, because an
// archive that contains one was not made by a tool that means well.
import { BerthError } from '../../util/errors.ts';

/** `./a//b/` → `a/b`; refuses absolute names and any `..` step. */
export function normalizeMemberPath(name: string, what = 'archive member'): string {
  if (name.includes('\0')) throw badPath(name, what, 'contains a NUL byte');
  if (name.startsWith('/')) throw badPath(name, what, 'is an absolute path');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw badPath(name, what, 'climbs out of the archive with ".."');
  return parts.join('/');
}

/**
 * Where a symbolic link member points, as an archive path: its target read
 * relative to the link's own directory (or from the archive root when absolute,
 * as Docker and skopeo never write but tar allows). Undefined when the target
 * leaves the archive, which the caller reports only if the link is ever used.
 */
export function symlinkTarget(linkPath: string, target: string): string | undefined {
  const base = target.startsWith('/') ? [] : linkPath.split('/').slice(0, -1);
  const out = [...base];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') out.push(part);
    else if (out.pop() === undefined) return undefined;
  }
  return out.length ? out.join('/') : undefined;
}

function badPath(name: string, what: string, why: string): BerthError {
  return new BerthError('InvalidArgument', `${what} ${JSON.stringify(name)} ${why}; refusing the archive`);
}
