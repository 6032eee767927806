// Character classes and quoting as Go's standard library defines them. BuildKit
// is written in Go, so "whitespace" and "printable" in the Dockerfile rules mean
// Go's unicode.IsSpace and strconv.IsPrint, which differ from JavaScript's \s.

/** Go's unicode.IsSpace: Latin-1 spaces plus the Unicode White_Space set (no U+FEFF). */
export function isGoSpace(ch: string): boolean {
  const c = ch.codePointAt(0);
  if (c === undefined) return false;
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** strings.TrimLeftFunc(s, unicode.IsSpace). */
export function trimGoSpaceStart(s: string): string {
  let i = 0;
  for (const ch of s) {
    if (!isGoSpace(ch)) break;
    i += ch.length;
  }
  return s.slice(i);
}

/** strings.TrimRightFunc(s, unicode.IsSpace). */
export function trimGoSpaceEnd(s: string): string {
  const chars = Array.from(s);
  let end = chars.length;
  while (end > 0 && isGoSpace(chars[end - 1])) end--;
  return chars.slice(0, end).join('');
}

/** strings.TrimSpace. */
export const trimGoSpace = (s: string): string => trimGoSpaceEnd(trimGoSpaceStart(s));

/** Go's unicode.IsDigit (decimal digits of any script). */
export const isGoDigit = (ch: string): boolean => /^\p{Nd}$/u.test(ch);

/** Go's unicode.IsLetter. */
export const isGoLetter = (ch: string): boolean => /^\p{L}$/u.test(ch);

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const NAMED_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** Go's strconv.Quote: the form BuildKit's AST dump prints every argument in. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else if (PRINTABLE.test(ch)) out += ch;
    else if (NAMED_ESCAPES[ch]) out += NAMED_ESCAPES[ch];
    else if (c < 0x20 || c === 0x7f) out += `\\x${hex(c, 2)}`;
    else if (c < 0x10000) out += `\\u${hex(c, 4)}`;
    else out += `\\U${hex(c, 8)}`;
  }
  return `${out}"`;
}
