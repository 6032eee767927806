// Splitting an instruction line into keyword, builder flags and arguments.
import { isGoSpace, trimGoSpace } from './go-text.ts';

// The separator between keyword and arguments, and between whitespace-delimited
// arguments: Go's reWhitespace, which has no newline and no Unicode spaces.
export const ARG_SEPARATOR = /[\t\v\f\r ]+/;

export interface SplitCommand {
  keyword: string;
  flags: string[];
  args: string;
}

export function splitCommand(line: string, esc: string): SplitCommand {
  const trimmed = trimGoSpace(line);
  const m = ARG_SEPARATOR.exec(trimmed);
  if (!m) return { keyword: trimmed, flags: [], args: '' };
  const { rest, flags } = extractBuilderFlags(trimmed.slice(m.index + m[0].length), esc);
  return { keyword: trimmed.slice(0, m.index), flags, args: trimGoSpace(rest) };
}

/**
 * Take the leading `--flag` words off `line`. A bare `--` ends the flags and is
 * dropped. Quotes inside a flag are removed and the escape character protects
 * the next character.
 */
export function extractBuilderFlags(line: string, esc: string): { rest: string; flags: string[] } {
  const chars = Array.from(line);
  const flags: string[] = [];
  let offset = 0; // UTF-16 offset of chars[pos]
  let pos = 0;

  while (pos < chars.length) {
    // Between words.
    if (isGoSpace(chars[pos])) {
      offset += chars[pos].length;
      pos++;
      continue;
    }
    if (chars[pos] !== '-' || chars[pos + 1] !== '-') return { rest: line.slice(offset), flags };
    // In a flag word.
    let word = '';
    let quote = '';
    let blankOk = false;
    while (pos < chars.length) {
      const ch = chars[pos];
      if (quote) {
        if (ch === quote) quote = '';
        else if (ch === esc) {
          if (pos + 1 < chars.length) {
            offset += ch.length;
            pos++;
            word += chars[pos];
          }
        } else word += ch;
      } else if (isGoSpace(ch)) {
        break;
      } else if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
      } else if (ch === esc) {
        if (pos + 1 < chars.length) {
          offset += ch.length;
          pos++;
          word += chars[pos];
        }
      } else word += ch;
      offset += ch.length;
      pos++;
    }
    if (word === '--') return { rest: line.slice(offset), flags };
    if (blankOk || word.length > 0) flags.push(word);
  }
  return { rest: '', flags };
}
