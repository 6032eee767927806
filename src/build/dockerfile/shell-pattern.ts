// The glob patterns of ${VAR#pat}, ${VAR%pat} and ${VAR/pat/repl}: `*` and `?`
// are wildcards, `\` escapes `*`, `?` or `\`, and there are no [...] classes.
// `\}` and `\/` only protect the delimiter and are not part of the pattern.
// Wildcards never match a newline, as in Go's regexp.

const REGEX_SPECIAL = new Set(['[', ']', '{', '}', '.', '+', '(', ')', '|', '^', '$']);

export function shellPatternToRegExp(
  pattern: string,
  greedy: boolean,
  anchored: boolean,
  flags = 'u',
): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === '*') out += greedy ? '[^\\n]*' : '[^\\n]*?';
    else if (ch === '?') out += '[^\\n]';
    else if (ch === '\\') {
      const next = chars[i + 1];
      if (next === '}' || next === '/') continue;
      if (next !== '*' && next !== '?' && next !== '\\') throw new Error(`invalid escape '\\${next ?? ''}'`);
      out += `\\${next}`;
      i++;
    } else if (REGEX_SPECIAL.has(ch)) out += `\\${ch}`;
    else out += ch;
  }
  return new RegExp(out, flags);
}

/** Reverse a pattern but keep each escape before the character it escapes. */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const out: string[] = [];
  for (let i = 0; i < chars.length; ) {
    if (chars[i] === '\\' && i !== chars.length - 1) {
      out.unshift(chars[i], chars[i + 1]);
      i += 2;
    } else {
      out.unshift(chars[i]);
      i++;
    }
  }
  return out.join('');
}

const reverse = (s: string) => Array.from(s).reverse().join('');

function compile(pattern: string, greedy: boolean, anchored: boolean, flags?: string): RegExp {
  try {
    return shellPatternToRegExp(pattern, greedy, anchored, flags);
  } catch (err) {
    throw new Error(`invalid pattern (${pattern}) in substitution: ${(err as Error).message}`);
  }
}

/** ${value#pattern} (shortest) or ${value##pattern} (longest). */
export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = compile(pattern, greedy, true).exec(value);
  return m ? value.slice(m[0].length) : value;
}

/** ${value%pattern} (shortest) or ${value%%pattern} (longest), as a prefix match on the reversed text. */
export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy));
}

/** ${value/pattern/replacement} and ${value//pattern/replacement}; the replacement is literal. */
export function replacePattern(value: string, pattern: string, replacement: string, all: boolean): string {
  const re = compile(pattern, true, false, all ? 'gu' : 'u');
  return value.replace(re, () => replacement);
}
