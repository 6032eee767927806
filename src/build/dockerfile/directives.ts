// Parser directives: `# syntax=`, `# escape=`, `# check=`, read only from the
// leading run of comment lines. The first line that is not a well-formed known
// directive (an instruction, a blank line, a plain comment, an unknown key)
// ends the scan for the rest of the file; a known key given twice is an error.

export type EscapeToken = '\\' | '`';

export interface CheckDirective {
  raw: string;
  /** Rule names to skip; ['all'] skips every rule. */
  skip: string[];
  /** Turn lint warnings into build errors. */
  error: boolean;
  experimental: string[];
}

export interface Directives {
  syntax?: string;
  escape: EscapeToken;
  check?: CheckDirective;
}

// Go regexp `\s` is only [\t\n\f\r ], not Unicode spaces, and not VT.
const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;
const KNOWN = new Set(['syntax', 'escape', 'check']);

/** Reads directives line by line until the first line that is not one. */
export class DirectiveScanner {
  readonly directives: Directives = { escape: '\\' };
  private done = false;
  private readonly seen = new Set<string>();

  /** Feed one left-trimmed physical line; throws a plain Error (the caller adds the location). */
  consider(line: string): void {
    if (this.done) return;
    const m = DIRECTIVE.exec(line);
    const key = m?.[1].toLowerCase();
    if (!m || !key || !KNOWN.has(key)) {
      this.done = true;
      return;
    }
    if (this.seen.has(key)) throw new Error(`only one ${key} parser directive can be used`);
    this.seen.add(key);
    const value = m[2];
    if (key === 'escape') {
      if (value !== '`' && value !== '\\') throw new Error(`invalid ESCAPE '${value}'. Must be \` or \\`);
      this.directives.escape = value;
    } else if (key === 'syntax') {
      this.directives.syntax = value;
    } else {
      this.directives.check = parseCheckDirective(value);
    }
  }
}

export function parseCheckDirective(raw: string): CheckDirective {
  const check: CheckDirective = { raw, skip: [], error: false, experimental: [] };
  const text = raw.trim();
  if (!text) return check;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new Error(`invalid check option ${JSON.stringify(part)}`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 'skip' || key === 'experimental') {
      const names = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      check[key].push(...names);
    } else if (key === 'error') {
      const b = parseGoBool(value);
      if (b === undefined) throw new Error(`invalid check option error=${value}: expected true or false`);
      check.error = b;
    } else {
      throw new Error(`invalid check option ${JSON.stringify(key)}`);
    }
  }
  return check;
}

/** Go's strconv.ParseBool. */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(s)) return false;
  return undefined;
}
