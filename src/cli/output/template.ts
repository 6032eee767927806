// A subset of Go's text/template, for `--format`: fields (`{{.A.B}}`), variables,
// pipelines (`{{.Name | upper}}`), `if`/`else`/`range`/`with`/`end`, trim markers
// (`{{-`, `-}}`), comments, and the functions Docker's templates offer (json,
// upper, lower, title, join, split, index, len, print, println, printf, truncate,
// pad, eq, ne, lt, le, gt, ge, and, or, not). Values are plain JSON data: a
// missing key prints `<no value>` as a Go map lookup does.
import { invalidArgument } from '../../util/errors.ts';

type Value = unknown;

type Arg =
  | { kind: 'field'; chain: string[] }
  | { kind: 'var'; name: string; chain: string[] }
  | { kind: 'literal'; value: Value }
  | { kind: 'ident'; name: string }
  | { kind: 'pipe'; pipeline: Pipeline; chain: string[] };

interface Pipeline {
  decl: string[];
  cmds: Arg[][];
  text: string;
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Pipeline }
  | { kind: 'if' | 'with'; pipeline: Pipeline; body: Node[]; orElse: Node[] }
  | { kind: 'range'; pipeline: Pipeline; body: Node[]; orElse: Node[] };

const parseError = (msg: string) => invalidArgument(`template parsing error: ${msg}`);
const execError = (msg: string) => invalidArgument(`template: ${msg}`);

// ---- lexing an action's inside into tokens ----

type Token =
  | { t: 'field'; chain: string[] }
  | { t: 'var'; name: string; chain: string[] }
  | { t: 'ident'; name: string }
  | { t: 'literal'; value: Value }
  | { t: 'punct'; p: '(' | ')' | '|' | ',' | ':=' | '=' }
  // `.A.B` written right after `)`, with no space: fields of the parenthesised value.
  | { t: 'chain'; chain: string[] };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;
const FIELD_CHAIN = /^(?:\.[A-Za-z_][A-Za-z0-9_]*)+/;

function lexAction(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const rest = src.slice(i);
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (rest.startsWith(':=')) {
      tokens.push({ t: 'punct', p: ':=' });
      i += 2;
    } else if ('()|,='.includes(c)) {
      tokens.push({ t: 'punct', p: c as '(' | ')' | '|' | ',' | '=' });
      i++;
    } else if (c === '.') {
      const m = FIELD_CHAIN.exec(rest);
      if (m) {
        const chain = m[0].slice(1).split('.');
        tokens.push(src[i - 1] === ')' ? { t: 'chain', chain } : { t: 'field', chain });
        i += m[0].length;
      } else {
        tokens.push({ t: 'field', chain: [] });
        i++;
      }
    } else if (c === '$') {
      const name = IDENT.exec(rest.slice(1))?.[0] ?? '';
      const chain = FIELD_CHAIN.exec(rest.slice(1 + name.length))?.[0] ?? '';
      tokens.push({ t: 'var', name: `$${name}`, chain: chain ? chain.slice(1).split('.') : [] });
      i += 1 + name.length + chain.length;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw parseError(`unterminated quoted string in {{${src}}}`);
      try {
        tokens.push({ t: 'literal', value: JSON.parse(src.slice(i, j + 1)) });
      } catch {
        throw parseError(`bad string ${src.slice(i, j + 1)}`);
      }
      i = j + 1;
    } else if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw parseError(`unterminated raw string in {{${src}}}`);
      tokens.push({ t: 'literal', value: src.slice(i + 1, j) });
      i = j + 1;
    } else if (/[-+\d]/.test(c) && /^[-+]?\d/.test(rest)) {
      const m = /^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(rest)!;
      tokens.push({ t: 'literal', value: Number(m[0]) });
      i += m[0].length;
    } else if (IDENT.test(rest)) {
      const name = IDENT.exec(rest)![0];
      if (name === 'true' || name === 'false') tokens.push({ t: 'literal', value: name === 'true' });
      else if (name === 'nil') tokens.push({ t: 'literal', value: null });
      else tokens.push({ t: 'ident', name });
      i += name.length;
    } else {
      throw parseError(`unexpected "${c}" in {{${src}}}`);
    }
  }
  return tokens;
}

// ---- parsing ----

function parsePipeline(tokens: Token[], text: string): Pipeline {
  let pos = 0;
  const decl: string[] = [];
  // `$x :=` or `$k, $v :=`
  const declEnd = tokens.findIndex((t) => t.t === 'punct' && (t.p === ':=' || t.p === '='));
  if (declEnd > 0) {
    for (const t of tokens.slice(0, declEnd)) {
      if (t.t === 'var' && t.chain.length === 0) decl.push(t.name);
      else if (!(t.t === 'punct' && t.p === ',')) throw parseError(`bad variable declaration in {{${text}}}`);
    }
    pos = declEnd + 1;
  }
  const parseCommands = (stopAtParen: boolean): Arg[][] => {
    const cmds: Arg[][] = [[]];
    while (pos < tokens.length) {
      const tok = tokens[pos++]!;
      if (tok.t === 'punct') {
        if (tok.p === '|') {
          if (cmds[cmds.length - 1]!.length === 0)
            throw parseError(`missing command before "|" in {{${text}}}`);
          cmds.push([]);
          continue;
        }
        if (tok.p === '(') {
          const inner = parseCommands(true);
          const next = tokens[pos];
          const chain = next?.t === 'chain' ? next.chain : [];
          if (next?.t === 'chain') pos++;
          cmds[cmds.length - 1]!.push({ kind: 'pipe', pipeline: { decl: [], cmds: inner, text }, chain });
          continue;
        }
        if (tok.p === ')') {
          if (!stopAtParen) throw parseError(`unexpected ")" in {{${text}}}`);
          return cmds;
        }
        throw parseError(`unexpected "${tok.p}" in {{${text}}}`);
      }
      if (tok.t === 'chain') throw parseError(`unexpected ".${tok.chain.join('.')}" in {{${text}}}`);
      cmds[cmds.length - 1]!.push(
        tok.t === 'field'
          ? { kind: 'field', chain: tok.chain }
          : tok.t === 'var'
            ? { kind: 'var', name: tok.name, chain: tok.chain }
            : tok.t === 'ident'
              ? { kind: 'ident', name: tok.name }
              : { kind: 'literal', value: tok.value },
      );
    }
    if (stopAtParen) throw parseError(`unclosed "(" in {{${text}}}`);
    return cmds;
  };
  const cmds = parseCommands(false);
  if (cmds.some((c) => c.length === 0)) throw parseError(`missing value in {{${text}}}`);
  return { decl, cmds, text };
}

interface RawAction {
  text: string;
}

function splitTemplate(src: string): (string | RawAction)[] {
  const parts: (string | RawAction)[] = [];
  let i = 0;
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      parts.push(text);
      break;
    }
    const close = src.indexOf('}}', open + 2);
    if (close < 0) throw parseError(`unclosed action starting at "${src.slice(open, open + 20)}"`);
    let inner = src.slice(open + 2, close);
    if (/^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    trimNext = /\s-$/.test(inner);
    if (trimNext) inner = inner.slice(0, -1);
    parts.push(text, { text: inner.trim() });
    i = close + 2;
  }
  return parts.filter((p) => p !== '');
}

function parseNodes(parts: (string | RawAction)[]): Node[] {
  let pos = 0;
  // Parse until one of `stops` (a keyword action); returns the nodes and the stop found.
  const parseList = (stops: string[]): { nodes: Node[]; stop?: RawAction } => {
    const nodes: Node[] = [];
    while (pos < parts.length) {
      const part = parts[pos++]!;
      if (typeof part === 'string') {
        nodes.push({ kind: 'text', text: part });
        continue;
      }
      const text = part.text;
      if (text.startsWith('/*')) {
        if (!text.endsWith('*/')) throw parseError(`unclosed comment {{${text}}}`);
        continue;
      }
      const word = /^[a-z]+/.exec(text)?.[0] ?? '';
      if (word === 'end' || word === 'else') {
        if (!stops.includes(word)) throw parseError(`unexpected {{${text}}}`);
        return { nodes, stop: part };
      }
      if (word === 'if' || word === 'range' || word === 'with') {
        nodes.push(parseBlock(word, text.slice(word.length)));
        continue;
      }
      if (text === '') throw parseError('missing value for command in {{}}');
      nodes.push({ kind: 'action', pipeline: parsePipeline(lexAction(text), text) });
    }
    if (stops.length) throw parseError(`missing {{end}}`);
    return { nodes };
  };
  const parseBlock = (kind: 'if' | 'range' | 'with', rest: string): Node => {
    const pipeline = parsePipeline(lexAction(rest), rest.trim());
    if (pipeline.cmds.length === 0 || pipeline.cmds[0]!.length === 0)
      throw parseError(`missing value for ${kind}`);
    const body = parseList(['end', 'else']);
    let orElse: Node[] = [];
    if (body.stop && /^else\b/.test(body.stop.text)) {
      const elseRest = body.stop.text.slice(4).trim();
      if (/^(if|with)\b/.test(elseRest)) {
        // `{{else if x}}` chains a nested block that shares the one {{end}}.
        const word = elseRest.startsWith('if') ? 'if' : 'with';
        orElse = [parseBlock(word, elseRest.slice(word.length))];
        return { kind, pipeline, body: body.nodes, orElse };
      }
      if (elseRest) throw parseError(`unexpected {{${body.stop.text}}}`);
      orElse = parseList(['end']).nodes;
    }
    return { kind, pipeline, body: body.nodes, orElse };
  };
  return parseList([]).nodes;
}

// ---- printing and truth, as Go's fmt and text/template see values ----

export function printValue(v: Value): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(printValue).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `map[${entries.map(([k, x]) => `${k}:${printValue(x)}`).join(' ')}]`;
  }
  return String(v);
}

function truthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

const typeName = (v: Value): string =>
  v === null || v === undefined
    ? 'nil'
    : Array.isArray(v)
      ? 'slice'
      : typeof v === 'object'
        ? 'map'
        : typeof v === 'number'
          ? 'number'
          : typeof v;

function field(v: Value, name: string): Value {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw execError(`can't evaluate field ${name} in type ${typeName(v)}`);
  }
  return Object.hasOwn(v, name) ? (v as Record<string, unknown>)[name] : undefined;
}

// ---- functions ----

const str = (v: Value): string => (typeof v === 'string' ? v : printValue(v));

function compare(fn: string, a: Value, b: Value): number {
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) {
    throw execError(`${fn}: incompatible types for comparison`);
  }
  return a < (b as typeof a) ? -1 : a > (b as typeof a) ? 1 : 0;
}

function sprintf(format: string, args: Value[]): string {
  let n = 0;
  return format.replace(
    /%(-?)(\d*)(?:\.(\d+))?([svdqf%])/g,
    (_w, left: string, width: string, prec: string, verb: string) => {
      if (verb === '%') return '%';
      if (n >= args.length) return `%!${verb}(MISSING)`;
      const a = args[n++];
      let s: string;
      if (verb === 'q') s = JSON.stringify(str(a));
      else if (verb === 'd')
        s = typeof a === 'number' ? String(Math.trunc(a)) : `%!d(${typeName(a)}=${str(a)})`;
      else if (verb === 'f')
        s = typeof a === 'number' ? a.toFixed(prec ? Number(prec) : 6) : `%!f(${typeName(a)}=${str(a)})`;
      else s = prec ? [...str(a)].slice(0, Number(prec)).join('') : str(a);
      const w = Number(width || 0);
      return left ? s.padEnd(w) : s.padStart(w);
    },
  );
}

/** Go's fmt.Sprint: a space between operands when neither is a string. */
function sprint(args: Value[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += str(a);
  });
  return out;
}

const FUNCS: Record<string, (...args: Value[]) => Value> = {
  json: (v) => JSON.stringify(v === undefined ? null : v),
  upper: (v) => str(v).toUpperCase(),
  lower: (v) => str(v).toLowerCase(),
  title: (v) =>
    str(v).replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase()),
  join: (list, sep) => {
    if (!Array.isArray(list)) throw execError('join: first argument must be a list');
    return list.map(str).join(str(sep));
  },
  split: (s, sep) => str(s).split(str(sep)),
  len: (v) => {
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    throw execError(`len of type ${typeName(v)}`);
  },
  index: (v, ...keys) => {
    let cur = v;
    for (const k of keys) {
      if (Array.isArray(cur)) {
        if (typeof k !== 'number' || k < 0 || k >= cur.length)
          throw execError(`index out of range: ${str(k)}`);
        cur = cur[k];
      } else if (cur && typeof cur === 'object') {
        cur = Object.hasOwn(cur, str(k)) ? (cur as Record<string, unknown>)[str(k)] : undefined;
      } else if (cur === undefined || cur === null) {
        return undefined;
      } else {
        throw execError(`can't index item of type ${typeName(cur)}`);
      }
    }
    return cur;
  },
  print: (...args) => sprint(args),
  println: (...args) => `${args.map(str).join(' ')}\n`,
  printf: (format, ...args) => sprintf(str(format), args),
  truncate: (s, n) => [...str(s)].slice(0, Number(n)).join(''),
  pad: (s, left, right) => `${' '.repeat(Number(left))}${str(s)}${' '.repeat(Number(right))}`,
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare('lt', a, b) < 0,
  le: (a, b) => compare('le', a, b) <= 0,
  gt: (a, b) => compare('gt', a, b) > 0,
  ge: (a, b) => compare('ge', a, b) >= 0,
  and: (...args) => args.find((a) => !truthy(a)) ?? args[args.length - 1],
  or: (...args) => args.find((a) => truthy(a)) ?? args[args.length - 1],
  not: (a) => !truthy(a),
};

// ---- execution ----

class Scope {
  readonly #vars: Map<string, Value>[];
  constructor(root: Value) {
    this.#vars = [new Map([['$', root]])];
  }
  push(): void {
    this.#vars.push(new Map());
  }
  pop(): void {
    this.#vars.pop();
  }
  set(name: string, v: Value): void {
    this.#vars[this.#vars.length - 1]!.set(name, v);
  }
  get(name: string): Value {
    for (let i = this.#vars.length - 1; i >= 0; i--)
      if (this.#vars[i]!.has(name)) return this.#vars[i]!.get(name);
    throw execError(`undefined variable: ${name}`);
  }
}

function evalArg(arg: Arg, dot: Value, scope: Scope): Value {
  switch (arg.kind) {
    case 'field':
      return arg.chain.reduce(field, dot);
    case 'var':
      return arg.chain.reduce(field, scope.get(arg.name));
    case 'literal':
      return arg.value;
    case 'pipe':
      return arg.chain.reduce(field, evalPipeline(arg.pipeline, dot, scope));
    case 'ident': {
      const fn = FUNCS[arg.name];
      if (!fn) throw execError(`function "${arg.name}" not defined`);
      return fn();
    }
  }
}

function evalPipeline(p: Pipeline, dot: Value, scope: Scope): Value {
  let piped: { value: Value } | undefined;
  for (const cmd of p.cmds) {
    const [head, ...rest] = cmd;
    if (head!.kind === 'ident') {
      const fn = FUNCS[head!.name];
      if (!fn) throw execError(`function "${head!.name}" not defined`);
      const args = rest.map((a) => evalArg(a, dot, scope));
      if (piped) args.push(piped.value);
      piped = { value: fn(...args) };
    } else {
      if (rest.length || piped) throw execError(`can't give argument to non-function in {{${p.text}}}`);
      piped = { value: evalArg(head!, dot, scope) };
    }
  }
  const value = piped?.value;
  if (p.decl.length) scope.set(p.decl[p.decl.length - 1]!, value);
  return value;
}

function execNodes(nodes: Node[], dot: Value, scope: Scope, out: string[]): void {
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        out.push(node.text);
        break;
      case 'action': {
        const v = evalPipeline(node.pipeline, dot, scope);
        if (!node.pipeline.decl.length) out.push(printValue(v));
        break;
      }
      case 'if':
      case 'with': {
        scope.push();
        const v = evalPipeline(node.pipeline, dot, scope);
        if (truthy(v)) execNodes(node.body, node.kind === 'with' ? v : dot, scope, out);
        else execNodes(node.orElse, dot, scope, out);
        scope.pop();
        break;
      }
      case 'range': {
        const decl = node.pipeline.decl;
        const v = evalPipeline({ ...node.pipeline, decl: [] }, dot, scope);
        const entries: [Value, Value][] = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v && typeof v === 'object'
            ? Object.keys(v)
                .sort()
                .map((k) => [k, (v as Record<string, unknown>)[k]])
            : typeof v === 'number'
              ? Array.from({ length: Math.max(0, v) }, (_x, i) => [i, i])
              : v === undefined || v === null
                ? []
                : (() => {
                    throw execError(`range can't iterate over ${str(v)}`);
                  })();
        if (!entries.length) {
          execNodes(node.orElse, dot, scope, out);
          break;
        }
        for (const [key, elem] of entries) {
          scope.push();
          if (decl.length === 1) scope.set(decl[0]!, elem);
          if (decl.length === 2) {
            scope.set(decl[0]!, key);
            scope.set(decl[1]!, elem);
          }
          execNodes(node.body, elem, scope, out);
          scope.pop();
        }
        break;
      }
    }
  }
}

export class Template {
  readonly source: string;
  readonly #nodes: Node[];

  constructor(source: string) {
    this.source = source;
    this.#nodes = parseNodes(splitTemplate(source));
  }

  execute(data: Value): string {
    const out: string[] = [];
    execNodes(this.#nodes, data, new Scope(data), out);
    return out.join('');
  }
}

export const renderTemplate = (source: string, data: Value): string => new Template(source).execute(data);
