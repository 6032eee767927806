// The expansion API the builder uses: one word to one string (ENV values,
// paths, USER, ...) or to split words (EXPOSE), with a report of the variables
// referenced so the builder can warn about build args nobody used.
import { type EnvSource, type LexOptions, lexWord } from './shell-lexer.ts';

export interface ExpansionReport {
  /** Variables referenced and set. */
  used: Set<string>;
  /** Variables referenced but not set. */
  unset: Set<string>;
}

export interface ExpandOptions extends LexOptions {
  /** Accumulates the variables this expansion referenced. */
  report?: ExpansionReport;
}

export const newExpansionReport = (): ExpansionReport => ({ used: new Set(), unset: new Set() });

function run(word: string, env: EnvSource, opts: ExpandOptions) {
  const r = lexWord(word, env, opts);
  if (opts.report) {
    for (const n of r.used) opts.report.used.add(n);
    for (const n of r.unset) opts.report.unset.add(n);
  }
  return r;
}

/** Expand variables and remove quotes and escapes; the result is one string. */
export function expand(word: string, env: EnvSource, opts: ExpandOptions = {}): string {
  return run(word, env, opts).result;
}

/** Expand as `expand` does, then split at unquoted whitespace (including whitespace a variable brought). */
export function expandWords(word: string, env: EnvSource, opts: ExpandOptions = {}): string[] {
  return run(word, env, opts).words;
}
