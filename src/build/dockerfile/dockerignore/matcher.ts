// Deciding whether a context path is ignored. Patterns apply in file order and
// the last one that applies decides; a pattern matches a path or any of its
// parent directories. An exception (`!`) can re-include a path inside an
// ignored directory, so a walker must still descend into such a directory
// when an exception might reach below it (mustDescend).
import { BerthError } from '../../../util/errors.ts';
import { cleanPath, contextRelative } from './clean-path.ts';
import { type CompiledGlob, compileGlob, validateGlob } from './glob.ts';

interface Pattern {
  /** The cleaned pattern without `!`. */
  text: string;
  exclusion: boolean;
  glob: CompiledGlob;
  /** Per-segment globs, for deciding whether an exception can match below a directory. */
  segments: string[];
}

const hasWildcards = (s: string) => /[*?[\\]/.test(s);

export class IgnoreMatcher {
  private readonly patterns: Pattern[] = [];
  /** Some pattern is an exception (`!`). */
  readonly hasExceptions: boolean;

  /** `patterns` as parseDockerignore returns them; throws InvalidArgument on a malformed one. */
  constructor(patterns: readonly string[]) {
    for (const raw of patterns) {
      let p = raw.trim();
      if (p === '') continue;
      p = cleanPath(p);
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw new BerthError('InvalidArgument', 'illegal exclusion pattern: "!"');
        exclusion = true;
        p = p.slice(1);
      }
      try {
        validateGlob(p);
      } catch (err) {
        throw new BerthError(
          'InvalidArgument',
          `invalid .dockerignore pattern ${JSON.stringify(raw)}: ${(err as Error).message}`,
        );
      }
      this.patterns.push({ text: p, exclusion, glob: compileGlob(p), segments: p.split('/') });
    }
    this.hasExceptions = this.patterns.some((p) => p.exclusion);
  }

  /**
   * Whether the context-relative path is ignored. Directories and files match
   * alike (patterns are cleaned, so `dir/` is `dir`); the context root never is.
   */
  matches(relPath: string, _isDir?: boolean): boolean {
    const path = contextRelative(relPath);
    if (path === '.') return false;
    const slash = path.lastIndexOf('/');
    const parents = slash < 0 ? [] : ancestors(path.slice(0, slash));
    let matched = false;
    for (const pattern of this.patterns) {
      // An inclusion only matters while the path is kept, an exception while it is ignored.
      if (pattern.exclusion !== matched) continue;
      const match = pattern.glob.test(path) || parents.some((p) => pattern.glob.test(p));
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }

  /**
   * For an ignored directory: whether an exception might re-include something
   * below it, so the walker must descend instead of skipping it. Errs on the
   * side of descending.
   */
  mustDescend(dirPath: string): boolean {
    if (!this.hasExceptions) return false;
    const dir = contextRelative(dirPath);
    if (dir === '.') return true;
    const dirSegments = dir.split('/');
    return this.patterns.some((p) => p.exclusion && mayMatchBelow(p, dir, dirSegments));
  }

  /** Whether a walker must visit `dirPath` at all. */
  shouldWalk(dirPath: string): boolean {
    return !this.matches(dirPath, true) || this.mustDescend(dirPath);
  }
}

/** `a`, `a/b`, `a/b/c` for `a/b/c`. */
function ancestors(dir: string): string[] {
  const parts = dir.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

function mayMatchBelow(pattern: Pattern, dir: string, dirSegments: string[]): boolean {
  if (!hasWildcards(pattern.text))
    return `${pattern.text}/`.startsWith(`${dir}/`) || `${dir}/`.startsWith(`${pattern.text}/`);
  for (let i = 0; i < dirSegments.length; i++) {
    const seg = pattern.segments[i];
    if (seg === undefined || seg.includes('**')) return true;
    if (!compileGlob(seg).test(dirSegments[i])) return false;
  }
  return true;
}
