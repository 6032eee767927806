// The shell-word lexer Dockerfile instructions are expanded with: $VAR, ${VAR}
// and its modifiers, quotes and escapes, as BuildKit's lexer does (it is not a
// shell: no command substitution, no arithmetic, no globbing).
//
// Decisions:
// - Word splitting keeps the characters collected before a `${VAR:-x}` style
//   expansion (`hello${X:-foo}bar` gives one word `hellofoobar`). BuildKit at the
//   commit our conformance data comes from drops them in ProcessWords only; that
//   looks like a bug, and ProcessWord (one string) agrees with us.
// - `${#VAR}` is the length of VAR in characters, as in POSIX shells. BuildKit
//   rejects it; `${#}` and `${#:-x}` keep their meaning (the special parameter #).
// - The replacement of ${VAR/pat/repl} is literal text (Go would interpret `$1`).
import { BerthError } from '../../util/errors.ts';
import type { EscapeToken } from './directives.ts';
import { goQuote, isGoDigit, isGoLetter, isGoSpace } from './go-text.ts';
import { replacePattern, trimPrefix, trimSuffix } from './shell-pattern.ts';

export interface LexOptions {
  /** The Dockerfile's escape character (default `\`). */
  escapeToken?: EscapeToken;
  /** Keep quote characters in the output. */
  rawQuotes?: boolean;
  /** Keep escape characters in the output. */
  rawEscapes?: boolean;
  /** Treat quotes as ordinary characters (heredoc bodies). */
  skipProcessQuotes?: boolean;
  /** Leave references to unset variables as written instead of expanding them to "". */
  skipUnsetEnv?: boolean;
}

/** Variables for expansion: a Map, or a plain object (own properties only). */
export type EnvSource = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

export interface LexResult {
  /** The word as one string (ProcessWord). */
  result: string;
  /** The word split at unquoted whitespace (ProcessWords). */
  words: string[];
  /** Names referenced and found in the environment. */
  used: Set<string>;
  /** Names referenced but not set. */
  unset: Set<string>;
}

const EOF = '';
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

function lookup(env: EnvSource, name: string): string | undefined {
  if (env instanceof Map) return env.get(name);
  const rec = env as Readonly<Record<string, string>>;
  return Object.hasOwn(rec, name) ? rec[name] : undefined;
}

/** Collects the words of ProcessWords while the string result is built. */
class WordCollector {
  word = '';
  words: string[] = [];
  inWord = false;

  addChar(ch: string): void {
    if (isGoSpace(ch)) {
      if (this.inWord && this.word.length > 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else {
      this.addRaw(ch);
    }
  }

  /** Expansion output: its whitespace splits words. */
  addExpanded(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  /** Quoted or escaped text: never splits. */
  addRaw(s: string): void {
    this.word += s;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class Lexer {
  private readonly chars: string[];
  private pos = 0;
  private rawEscapes: boolean;
  readonly used = new Set<string>();
  readonly unset = new Set<string>();
  private readonly escape: string;

  constructor(
    word: string,
    private readonly env: EnvSource,
    private readonly opts: LexOptions,
  ) {
    this.chars = Array.from(word);
    this.rawEscapes = opts.rawEscapes ?? false;
    this.escape = opts.escapeToken ?? '\\';
  }

  private peek(ahead = 0): string {
    return this.chars[this.pos + ahead] ?? EOF;
  }

  private next(): string {
    const ch = this.chars[this.pos] ?? EOF;
    if (ch !== EOF) this.pos++;
    return ch;
  }

  private getEnv(name: string): string | undefined {
    const value = lookup(this.env, name);
    if (value === undefined) this.unset.add(name);
    else this.used.add(name);
    return value;
  }

  /** Lex up to `stop` (consumed) or the end of input when stop is EOF. */
  processStopOn(stop: string, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      return this.scan(stop);
    } finally {
      this.rawEscapes = saved;
    }
  }

  private scan(stop: string): { result: string; words: string[] } {
    let result = '';
    const words = new WordCollector();
    const quotes = !this.opts.skipProcessQuotes;
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (stop !== EOF && ch === stop) {
        this.next();
        return { result, words: words.finish() };
      }
      if (ch === '$') {
        const value = this.processDollar();
        result += value;
        words.addExpanded(value);
      } else if (quotes && (ch === "'" || ch === '"')) {
        const value = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote();
        result += value;
        words.addRaw(value);
      } else if (ch === '<' && this.peek(1) === '<' && (this.peek(2) === ' ' || this.peek(2) === '\t')) {
        // `<< EOF` stays one word so a heredoc marker written with blanks is still seen.
        let marker = this.next() + this.next();
        while (this.peek() === ' ' || this.peek() === '\t') marker += this.next();
        result += marker;
        words.addRaw(marker);
      } else {
        let c = this.next();
        if (c === this.escape) {
          if (this.rawEscapes) {
            words.addRaw(c);
            result += c;
          }
          c = this.next();
          if (c === EOF) break;
          words.addRaw(c);
        } else {
          words.addChar(c);
        }
        result += c;
      }
    }
    if (stop !== EOF) throw new Error(`unexpected end of statement while looking for matching ${stop}`);
    return { result, words: words.finish() };
  }

  private processSingleQuote(): string {
    let result = '';
    const open = this.next();
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === EOF) throw new Error('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (this.opts.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  private processDoubleQuote(): string {
    let result = '';
    const open = this.next();
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const peek = this.peek();
      if (peek === EOF)
        throw new Error('unexpected end of statement while looking for matching double-quote');
      if (peek === '"') {
        const close = this.next();
        if (this.opts.rawQuotes) result += close;
        return result;
      }
      if (peek === '$') {
        result += this.processDollar();
        continue;
      }
      let ch = this.next();
      if (ch === this.escape) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === EOF) continue;
        // Only these can be escaped inside double quotes; before anything else the escape stays.
        if (after === '"' || after === '$' || after === this.escape) ch = this.next();
      }
      result += ch;
    }
  }

  private processName(): string {
    let name = '';
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (name.length === 0 && isGoDigit(ch)) {
        while (this.peek() !== EOF && isGoDigit(this.peek())) name += this.next();
        return name;
      }
      if (name.length === 0 && SPECIAL_PARAMS.has(ch)) return this.next();
      if (!isGoLetter(ch) && !isGoDigit(ch) && ch !== '_') break;
      name += this.next();
    }
    return name;
  }

  private processDollar(): string {
    this.next(); // $
    if (this.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && this.opts.skipUnsetEnv) return `$${name}`;
      return value ?? '';
    }
    this.next(); // {
    const first = this.peek();
    if (first === EOF) throw new Error("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new Error('syntax error: bad substitution');
    if (first === '#' && isNameStart(this.peek(1))) return this.processLength();

    const name = this.processName();
    let ch = this.next();
    if (ch === EOF) throw new Error("syntax error: missing '}'");
    let modifier = ch;
    if (ch === '}') {
      const value = this.getEnv(name);
      if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}}`;
      return value ?? '';
    }
    if (ch === '/') return this.processReplace(name);

    let nullIsUnset = false;
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.next();
      modifier += ch;
    } else if (!'+-?#%'.includes(ch)) {
      throw new Error(`unsupported modifier (${modifier}) in substitution`);
    }
    const word = this.readWord('}', ch === '#' || ch === '%');
    const value = this.getEnv(name);
    if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}${modifier}${word}}`;
    const isUnset = value === undefined || (nullIsUnset && value === '');
    switch (nullIsUnset && (ch === '#' || ch === '%') ? '' : ch) {
      case '-':
        return isUnset ? word : (value ?? '');
      case '+':
        return isUnset ? '' : word;
      case '?':
        if (value === undefined) throw new Error(`${name}: ${word || 'is not allowed to be unset'}`);
        if (nullIsUnset && value === '') throw new Error(`${name}: ${word || 'is not allowed to be empty'}`);
        return value;
      case '#':
      case '%': {
        const greedy = word.startsWith(ch);
        const pattern = greedy ? word.slice(1) : word;
        return ch === '%'
          ? trimSuffix(pattern, value ?? '', greedy)
          : trimPrefix(pattern, value ?? '', greedy);
      }
      default:
        throw new Error(`unsupported modifier (${modifier}) in substitution`);
    }
  }

  /** The WORD of a modifier, lexed recursively up to its closing delimiter. */
  private readWord(stop: string, rawEscapes: boolean): string {
    try {
      return this.processStopOn(stop, rawEscapes).result;
    } catch (err) {
      if (this.peek() === EOF) {
        throw new Error(
          stop === '/' ? "syntax error: missing '/' in $" + '{}' : `syntax error: missing '${stop}'`,
        );
      }
      throw err;
    }
  }

  private processReplace(name: string): string {
    const all = this.peek() === '/';
    if (all) this.next();
    const pattern = this.readWord('/', true);
    const replacement = this.readWord('}', true);
    const value = this.getEnv(name);
    if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`;
    return replacePattern(value ?? '', pattern, replacement, all);
  }

  private processLength(): string {
    this.next(); // #
    const name = this.processName();
    if (this.next() !== '}') throw new Error('syntax error: bad substitution');
    const value = this.getEnv(name);
    if (value === undefined && this.opts.skipUnsetEnv) return `\${#${name}}`;
    return String(Array.from(value ?? '').length);
  }
}

const isNameStart = (ch: string) => ch === '_' || isGoLetter(ch) || isGoDigit(ch);

/** Expand one word; throws BerthError InvalidArgument on a syntax error or a `${VAR?msg}` failure. */
export function lexWord(word: string, env: EnvSource, opts: LexOptions = {}): LexResult {
  const lexer = new Lexer(word, env, opts);
  try {
    const { result, words } = lexer.processStopOn(EOF, opts.rawEscapes ?? false);
    return { result, words, used: lexer.used, unset: lexer.unset };
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw new BerthError('InvalidArgument', `failed to process ${goQuote(word)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
