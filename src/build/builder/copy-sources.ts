// What the sources of a COPY or ADD name in their root (the build context, or
// another stage's or image's files): Go's filepath.Match wildcards per path
// segment, every path resolved within the root (root-path.ts), --exclude
// applied to wildcard matches (copy-exclude.ts). The copy (copy-files.ts) copies
// exactly these entries and the build cache (copy-inputs.ts) hashes exactly
// these, so the two can never disagree.
//
// --parents (BuildKit's): a match keeps its path under the destination, from the
// root or from a pivot written as `/./` in the source (`COPY --parents
// ./src/./app/*.js /d/` gives /d/app/x.js).
import { readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { invalidArgument } from '../../util/errors.ts';
import { type CopyExcludes, NO_EXCLUDES } from './copy-exclude.ts';
import { resolveInRoot } from './root-path.ts';

export const hasWildcard = (s: string) => /[*?[]/.test(s);

/** Go's filepath.Match for one path segment: `*`, `?`, `[...]` (with `^`/`!`), `\` escapes. */
export function segmentRegExp(pattern: string): RegExp {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) out += escapeRe(pattern[++i]);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw invalidArgument(`syntax error in pattern ${JSON.stringify(pattern)}`);
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('!') || body.startsWith('^')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else out += escapeRe(c);
  }
  return new RegExp(`${out}$`, 's');
}

const escapeRe = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const segmentsOf = (p: string) => p.split('/').filter((s) => s !== '' && s !== '.');

/** The source paths (inside the root) a pattern names; none when a wildcard matches nothing. */
export async function expandSource(root: string, pattern: string): Promise<string[]> {
  let found = [''];
  for (const seg of segmentsOf(pattern)) {
    const next: string[] = [];
    for (const base of found) {
      if (!hasWildcard(seg)) {
        next.push(posix.join(base, seg));
        continue;
      }
      const dir = await resolveInRoot(root, base || '/');
      if (!dir.exists) continue;
      let names: string[];
      try {
        names = (await readdir(dir.host)).sort();
      } catch {
        continue;
      }
      const re = segmentRegExp(seg);
      for (const n of names) if (re.test(n)) next.push(posix.join(base, n));
    }
    found = next;
  }
  return found.map((p) => p || '.');
}

export interface SourceMatch {
  /** The path inside the source root, symlinks resolved. */
  inRoot: string;
  /** The same on the host. */
  host: string;
  /**
   * What --exclude patterns see for this entry: '' (the entries below it are
   * matched from here), or with --parents the path it keeps.
   */
  rel: string;
  /** --parents: the path kept under the destination ('' for the pivot itself). */
  keep?: string;
  /** --parents: the pivot the kept path starts at, inside the source root. */
  pivot?: string;
}

export interface SourceMatches {
  source: string;
  matches: SourceMatch[];
  /** Entries the source named that --exclude left out. */
  excluded: number;
}

export interface MatchOptions {
  parents?: boolean;
  exclude?: CopyExcludes;
}

/**
 * The entries each source names in the root (wildcards expanded, paths resolved
 * within it, --exclude applied); an empty list for a source that names nothing.
 */
export async function matchSources(
  srcRoot: string,
  sources: readonly string[],
  opts: MatchOptions = {},
): Promise<SourceMatches[]> {
  const out: SourceMatches[] = [];
  for (const source of sources)
    out.push(
      opts.parents
        ? await matchWithParents(srcRoot, source, opts.exclude ?? NO_EXCLUDES)
        : await matchPlain(srcRoot, source, opts.exclude ?? NO_EXCLUDES),
    );
  return out;
}

async function matchPlain(srcRoot: string, source: string, exclude: CopyExcludes): Promise<SourceMatches> {
  const segments = segmentsOf(source);
  const firstWild = segments.findIndex(hasWildcard);
  const result: SourceMatches = { source, matches: [], excluded: 0 };
  for (const f of await expandSource(srcRoot, source)) {
    const r = await resolveInRoot(srcRoot, f);
    if (!r.exists) continue;
    if (firstWild >= 0) {
      const fromWildcard = segmentsOf(f).slice(firstWild).join('/');
      if (exclude.excludes(fromWildcard) || exclude.excludes(f)) {
        result.excluded++;
        continue;
      }
    }
    result.matches.push({ inRoot: r.inRoot, host: r.host, rel: '' });
  }
  return result;
}

async function matchWithParents(
  srcRoot: string,
  source: string,
  exclude: CopyExcludes,
): Promise<SourceMatches> {
  const cut = source.indexOf('/./');
  const base = cut < 0 ? '' : source.slice(0, cut);
  const pattern = cut < 0 ? source : source.slice(cut + 3);
  if (hasWildcard(base))
    throw invalidArgument(
      `${source}: with --parents, the part before the /./ pivot cannot have wildcards; put them after it`,
    );
  const result: SourceMatches = { source, matches: [], excluded: 0 };
  const pivot = await resolveInRoot(srcRoot, base || '/');
  if (!pivot.exists) return result;
  for (const f of await expandSource(srcRoot, posix.join(pivot.inRoot, pattern))) {
    const r = await resolveInRoot(srcRoot, f);
    if (!r.exists) continue;
    let keep = posix.relative(pivot.inRoot, posix.join('/', f));
    if (keep.startsWith('..')) keep = posix.basename(r.inRoot); // a pattern that climbed out of its pivot
    if (exclude.excludes(keep)) {
      result.excluded++;
      continue;
    }
    result.matches.push({ inRoot: r.inRoot, host: r.host, rel: keep, keep, pivot: pivot.inRoot });
  }
  return result;
}
