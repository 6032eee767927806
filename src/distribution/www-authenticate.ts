// `WWW-Authenticate` challenges (RFC 7235): a scheme and its parameters, several
// challenges possibly in one header, values as tokens or quoted strings with
// backslash escapes. Schemes and parameter names are case-insensitive, so both
// come back lowercase.

export interface Challenge {
  /** `basic`, `bearer`, ... */
  scheme: string;
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

class Scanner {
  i = 0;
  constructor(readonly s: string) {}
  get done(): boolean {
    return this.i >= this.s.length;
  }
  peek(): string {
    return this.s[this.i] ?? '';
  }
  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.i++;
  }
  skipSeparators(): void {
    while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === ',') this.i++;
  }
  token(): string {
    const start = this.i;
    while (!this.done && TOKEN_CHAR.test(this.peek())) this.i++;
    return this.s.slice(start, this.i);
  }
  quoted(): string {
    this.i++; // the opening quote
    let out = '';
    while (!this.done && this.peek() !== '"') {
      if (this.peek() === '\\') this.i++;
      out += this.peek();
      this.i++;
    }
    this.i++; // the closing quote
    return out;
  }
  /** Whether a `name=` parameter starts here (rather than the next challenge's scheme). */
  atParam(): boolean {
    const save = this.i;
    this.skipSpaces();
    const name = this.token();
    this.skipSpaces();
    let is = name !== '' && this.peek() === '=';
    if (is) {
      // `abc==` or a trailing `abc=`: a token68, not a parameter.
      this.i++;
      this.skipSpaces();
      is = !this.done && this.peek() !== '=' && this.peek() !== ',';
    }
    this.i = save;
    return is;
  }
}

function parseOne(header: string): Challenge[] {
  const sc = new Scanner(header);
  const out: Challenge[] = [];
  while (true) {
    sc.skipSeparators();
    if (sc.done) break;
    const scheme = sc.token().toLowerCase();
    if (!scheme) break; // not a challenge: stop rather than loop
    const params: Record<string, string> = {};
    out.push({ scheme, params });
    sc.skipSpaces();
    while (!sc.done) {
      if (!sc.atParam()) {
        // A token68 (`Negotiate abc==`) is kept whole under the empty name.
        if (sc.peek() !== ',' && Object.keys(params).length === 0) {
          const start = sc.i;
          while (!sc.done && sc.peek() !== ',') sc.i++;
          params[''] = header.slice(start, sc.i).trim();
        }
        break;
      }
      sc.skipSpaces();
      const name = sc.token().toLowerCase();
      sc.skipSpaces();
      sc.i++; // '='
      sc.skipSpaces();
      params[name] = sc.peek() === '"' ? sc.quoted() : sc.token();
      sc.skipSpaces();
      if (sc.peek() !== ',') break;
      sc.i++;
      if (!sc.atParam()) break;
    }
  }
  return out;
}

/** Every challenge in one or more `WWW-Authenticate` header values. */
export function parseWwwAuthenticate(headers: string | readonly string[] | undefined): Challenge[] {
  if (headers === undefined) return [];
  const values = typeof headers === 'string' ? [headers] : headers;
  return values.flatMap(parseOne);
}
