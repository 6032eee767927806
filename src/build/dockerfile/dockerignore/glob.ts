// One .dockerignore pattern: Go filepath.Match syntax (`*`, `?`, `[...]`,
// `[^...]`, `\` escapes) plus `**` for any number of path segments. Matching
// follows moby/patternmatcher, including its shortcuts: a pattern without
// wildcards is an exact comparison, `dir/**` a prefix test, and a pattern
// starting with `**` a suffix test.
//
// Decisions: where patternmatcher hands a character class or an escape to Go's
// regexp unchanged (so `[*]` or `\d` would mean regexp things), berth follows
// filepath.Match: a class is a set of characters and `\x` is a literal x.

const BAD_PATTERN = 'syntax error in pattern';

/** Throws when filepath.Match would reject the pattern (unclosed `[`, trailing `\`, `[]`, `[a-]`). */
export function validateGlob(pattern: string): void {
  const c = Array.from(pattern);
  for (let i = 0; i < c.length; i++) {
    if (c[i] === '\\') {
      if (++i >= c.length) throw new Error(BAD_PATTERN);
    } else if (c[i] === '[') {
      i = classEnd(c, i + 1);
    }
  }
}

/** Index of the `]` closing the class whose body starts at `i`; throws on a malformed class. */
function classEnd(c: string[], start: number): number {
  let i = start;
  if (c[i] === '^') i++;
  let ranges = 0;
  for (;;) {
    if (c[i] === ']' && ranges > 0) return i;
    i = classChar(c, i) + 1;
    if (c[i] === '-') i = classChar(c, i + 1) + 1;
    ranges++;
  }
}

/** Index of the last code point of one (possibly escaped) class character. */
function classChar(c: string[], i: number): number {
  if (i >= c.length || c[i] === '-' || c[i] === ']') throw new Error(BAD_PATTERN);
  if (c[i] === '\\') i++;
  if (i + 1 >= c.length) throw new Error(BAD_PATTERN); // the class must still be closed after it
  return i;
}

const escapeRegex = (ch: string) => (/[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch);
const escapeInClass = (ch: string) => (/[\\\]^[-]/.test(ch) ? `\\${ch}` : ch);

function classRegex(c: string[], start: number, end: number): string {
  let i = start;
  let out = '[';
  if (c[i] === '^') {
    out += '^';
    i++;
  }
  const readChar = () => {
    if (c[i] === '\\') i++;
    return escapeInClass(c[i++]);
  };
  while (i < end) {
    out += readChar();
    if (c[i] === '-' && i < end) {
      i++;
      out += `-${readChar()}`;
    }
  }
  return `${out}]`;
}

export type MatchKind = 'exact' | 'prefix' | 'suffix' | 'regexp';

export interface CompiledGlob {
  kind: MatchKind;
  test(path: string): boolean;
}

/** Compile a cleaned, validated pattern (without its `!`). */
export function compileGlob(pattern: string): CompiledGlob {
  const c = Array.from(pattern);
  let kind: MatchKind = 'exact';
  let re = '^';
  for (let i = 0, iteration = 0; i < c.length; i++, iteration++) {
    const ch = c[i];
    if (ch === '*' && c[i + 1] === '*') {
      i++;
      if (c[i + 1] === '/') i++; // `**/` is `**`
      if (i + 1 >= c.length) {
        if (kind === 'exact') kind = 'prefix';
        else {
          re += '[^\\n]*';
          kind = 'regexp';
        }
      } else {
        re += '(?:[^\\n]*/)?';
        kind = 'regexp';
      }
      if (iteration === 0) kind = 'suffix';
    } else if (ch === '*') {
      re += '[^/]*';
      kind = 'regexp';
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regexp';
    } else if (ch === '\\') {
      re += escapeRegex(c[++i]);
      kind = 'regexp';
    } else if (ch === '[') {
      const end = classEnd(c, i + 1);
      re += classRegex(c, i + 1, end);
      i = end;
      kind = 'regexp';
    } else {
      re += escapeRegex(ch);
    }
  }
  switch (kind) {
    case 'exact':
      return { kind, test: (path) => path === pattern };
    case 'prefix': {
      const prefix = pattern.slice(0, -2);
      return { kind, test: (path) => path.startsWith(prefix) };
    }
    case 'suffix': {
      const suffix = pattern.slice(2);
      return {
        kind,
        test: (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1)),
      };
    }
    default: {
      const regex = new RegExp(`${re}$`, 'u');
      return { kind, test: (path) => regex.test(path) };
    }
  }
}
