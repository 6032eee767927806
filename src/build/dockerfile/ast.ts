// The low-level Dockerfile syntax tree, one node per instruction, and the dump
// format BuildKit's parser tests compare against.
import type { Directives, EscapeToken } from './directives.ts';
import { goQuote } from './go-text.ts';

export interface Heredoc {
  /** The delimiter word with quotes removed (`EOF` for `<<"EOF"`). */
  name: string;
  /** The body, each line followed by "\n"; tabs of `<<-` are not yet removed (see chompHeredoc). */
  content: string;
  /** False when the delimiter was quoted: the body is then not expanded. */
  expand: boolean;
  /** `<<-`: leading tabs of body lines and of the terminator are ignored. */
  chomp: boolean;
  /** The `3` of `3<<EOF`; 0 when not given. */
  fileDescriptor: number;
}

export interface InstructionNode {
  /** The instruction keyword, lowercased (`run`). */
  keyword: string;
  /** The keyword as written (`Run`). */
  rawKeyword: string;
  /** Builder flags (`--from=x`) with quotes and escapes removed. */
  flags: string[];
  /** Argument strings, shaped per instruction (see line-parsers.ts). */
  args: string[];
  /** The arguments were written as a JSON array (exec form). */
  json: boolean;
  /** The instruction an ONBUILD wraps. */
  onbuild?: InstructionNode;
  heredocs: Heredoc[];
  /** The logical line: continuations joined, comments dropped, heredoc bodies not included. */
  original: string;
  /** 1-based first and last physical line (the last includes heredoc terminators). */
  startLine: number;
  endLine: number;
  /** 1-based column of the keyword on the first line. */
  column: number;
  /** Comment lines directly before the instruction, without their `#`. */
  comments: string[];
}

export interface ParseWarning {
  /** BuildKit's lint rule name (`NoEmptyContinuation`, `LegacyKeyValueFormat`, ...). */
  rule: string;
  message: string;
  detail?: string;
  url?: string;
  line: number;
}

export interface DockerfileAst {
  file: string;
  /** Physical lines, for error messages. */
  lines: string[];
  children: InstructionNode[];
  directives: Directives;
  escapeToken: EscapeToken;
  warnings: ParseWarning[];
}

/** One instruction in BuildKit's dump notation, without the outer parentheses. */
export function dumpNode(node: InstructionNode): string {
  let s = node.keyword;
  if (node.flags.length > 0) s += ` [${node.flags.map(goQuote).join(' ')}]`;
  for (const arg of node.args) s += ` ${goQuote(arg)}`;
  if (node.onbuild) s += ` (${dumpNode(node.onbuild)})`;
  return s;
}

/** The whole tree: one `(instruction ...)` line per instruction. */
export function dumpAst(ast: { children: readonly InstructionNode[] }): string {
  return ast.children.map((n) => `(${dumpNode(n)})\n`).join('');
}
