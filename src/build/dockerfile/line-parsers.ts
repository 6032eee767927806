// How each instruction's argument text becomes argument strings in the tree.
// Nothing here unquotes or expands: ENV/LABEL/ARG values keep their quotes and
// escapes until the shell lexer processes them at build time.
import { isGoSpace, trimGoSpaceStart } from './go-text.ts';
import { ARG_SEPARATOR } from './split-command.ts';

export interface ParsedArgs {
  args: string[];
  json: boolean;
}

const NONE: ParsedArgs = { args: [], json: false };

export const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

/**
 * Words separated by unquoted whitespace, quotes and escapes kept. Outside
 * quotes the escape character keeps itself and the next character; inside
 * double quotes it protects the next character; inside single quotes it is
 * ordinary. A lone trailing escape is dropped.
 */
export function parseWords(rest: string, esc: string): string[] {
  const chars = Array.from(rest);
  const words: string[] = [];
  let word = '';
  let blankOk = false;
  let quote = '';
  let inWord = false;
  for (let pos = 0; pos < chars.length; pos++) {
    let ch = chars[pos];
    if (!inWord) {
      if (isGoSpace(ch)) continue;
      inWord = true;
    }
    if (!quote) {
      if (isGoSpace(ch)) {
        if (blankOk || word.length > 0) words.push(word);
        word = '';
        blankOk = false;
        inWord = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
      }
      if (ch === esc) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        pos++;
        ch = chars[pos];
      }
      word += ch;
      continue;
    }
    // Inside quotes; the opening quote itself was added above.
    if (ch === quote) quote = '';
    if (ch === esc && quote !== "'") {
      if (pos + 1 === chars.length) {
        quote = '';
        continue;
      }
      word += ch;
      pos++;
      ch = chars[pos];
    }
    word += ch;
  }
  if (inWord && (blankOk || word.length > 0)) words.push(word);
  return words;
}

/** Lone surrogates from `\ud800` escapes become U+FFFD, as Go's JSON decoder makes them. */
const wellFormed = (s: string): string => s.replace(/\p{Cs}/gu, '\ufffd');

/** The JSON (exec) form: undefined when `rest` is not a JSON array; an error when it holds a non-string. */
export function parseJsonArray(rest: string): string[] | undefined {
  const text = trimGoSpaceStart(rest);
  if (!text.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  if (!value.every((v) => typeof v === 'string')) throw new Error(NOT_STRING_ARRAY);
  return value.map(wellFormed);
}

/** RUN, CMD, ENTRYPOINT, SHELL: a JSON array, or the whole text as one argument. */
export function parseMaybeJson(rest: string): ParsedArgs {
  if (rest === '') return NONE;
  const json = parseJsonArray(rest);
  return json ? { args: json, json: true } : { args: [rest], json: false };
}

/** ADD, COPY, VOLUME: a JSON array, or whitespace-separated words. */
export function parseMaybeJsonToList(rest: string): ParsedArgs {
  const json = parseJsonArray(rest);
  return json ? { args: json, json: true } : parseWhitespaceDelimited(rest);
}

/** FROM, EXPOSE. */
export function parseWhitespaceDelimited(rest: string): ParsedArgs {
  return rest === '' ? NONE : { args: rest.split(ARG_SEPARATOR), json: false };
}

/** USER, WORKDIR, MAINTAINER, STOPSIGNAL: the whole text. */
export function parseString(rest: string): ParsedArgs {
  return rest === '' ? NONE : { args: [rest], json: false };
}

/**
 * ENV and LABEL: triples key, value, separator. `KEY value...` (no `=` in the
 * first word) is the legacy form with separator ""; otherwise every word must
 * be `key=value`.
 */
export function parseNameValue(rest: string, instruction: 'ENV' | 'LABEL', esc: string): ParsedArgs {
  const words = parseWords(rest, esc);
  if (words.length === 0) return NONE;
  if (!words[0].includes('=')) {
    const m = ARG_SEPARATOR.exec(rest);
    if (!m) throw new Error(`${instruction} must have two arguments`);
    return { args: [rest.slice(0, m.index), rest.slice(m.index + m[0].length), ''], json: false };
  }
  const args: string[] = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) {
      throw new Error(
        `Syntax error - can't find = in ${JSON.stringify(word)}. Must be of the form: name=value`,
      );
    }
    args.push(word.slice(0, eq), word.slice(eq + 1), '=');
  }
  return { args, json: false };
}

/** ARG: one argument per word, kept verbatim. */
export function parseNameOrNameValue(rest: string, esc: string): ParsedArgs {
  return { args: parseWords(rest, esc), json: false };
}

/** HEALTHCHECK: the type word (CMD, NONE, ...) then the rest handled like CMD. */
export function parseHealthConfig(rest: string): ParsedArgs {
  const chars = Array.from(rest);
  let sep = 0;
  while (sep < chars.length && !isGoSpace(chars[sep])) sep++;
  if (sep === 0) return NONE;
  let next = sep;
  while (next < chars.length && isGoSpace(chars[next])) next++;
  const cmd = parseMaybeJson(chars.slice(next).join(''));
  return { args: [chars.slice(0, sep).join(''), ...cmd.args], json: cmd.json };
}
