// COPY/ADD --exclude=PATTERN (repeatable): files a copy leaves out, with
// .dockerignore's pattern language (Go's filepath.Match plus `**`, `!`
// exceptions, a pattern also matching everything below a directory it names).
//
// What a pattern is matched against, as BuildKit does it: an entry inside a
// copied directory by its path relative to that directory (`COPY --exclude=*.md
// docs/ /d/` leaves out docs/README.md); a wildcard match by its path from the
// wildcard on (`COPY --exclude=*.txt src/hom* /d/` leaves out src/home.txt) or
// by its whole path in the source root; with --parents, every entry by the path
// it keeps under the destination. A source named without wildcards is copied
// even when a pattern names it.
import { invalidArgument } from '../../util/errors.ts';
import { cleanPath } from '../dockerfile/dockerignore/clean-path.ts';
import { validateGlob } from '../dockerfile/dockerignore/glob.ts';
import { IgnoreMatcher } from '../dockerfile/index.ts';

export class CopyExcludes {
  private readonly matcher: IgnoreMatcher;
  readonly active: boolean;

  /** Throws InvalidArgument naming the flag for a malformed pattern. */
  constructor(patterns: readonly string[] = []) {
    const cleaned: string[] = [];
    for (const raw of patterns) {
      const exception = raw.trim().startsWith('!');
      let p = exception ? raw.trim().slice(1).trim() : raw.trim();
      if (p === '') throw invalidArgument(`--exclude=${raw}: the pattern is empty`);
      p = cleanPath(p);
      if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
      try {
        validateGlob(p);
      } catch (err) {
        throw invalidArgument(`--exclude=${raw}: ${(err as Error).message}`);
      }
      cleaned.push(exception ? `!${p}` : p);
    }
    this.matcher = new IgnoreMatcher(cleaned);
    this.active = cleaned.length > 0;
  }

  /** Whether the entry at `rel` (see the header for what it is relative to) is left out. */
  excludes(rel: string): boolean {
    return this.active && rel !== '' && this.matcher.matches(rel);
  }

  /** An excluded directory below which an exception (`!`) may bring entries back: walk it anyway. */
  mustDescend(rel: string): boolean {
    return this.active && this.matcher.mustDescend(rel);
  }

  /** Whether the walk skips the entry at `rel` entirely. */
  skips(rel: string, isDir: boolean): boolean {
    return this.excludes(rel) && !(isDir && this.mustDescend(rel));
  }
}

/** No --exclude: nothing is left out. */
export const NO_EXCLUDES = new CopyExcludes();
