// The low-level Dockerfile parser: physical lines to instruction nodes.
// It joins continuation lines, drops comments, reads parser directives and
// heredoc bodies, and shapes each instruction's arguments. It does not check
// instruction names or flags and expands nothing: that is the typed layer's
// job (instructions/), so this tree matches BuildKit's parser output exactly.
import type { DockerfileAst, InstructionNode, ParseWarning } from './ast.ts';
import { DirectiveScanner } from './directives.ts';
import { dockerfileError, type SourceText } from './errors.ts';
import { trimGoSpace, trimGoSpaceStart } from './go-text.ts';
import { canContainHeredoc, heredocMarkersOfLine, isHeredocTerminator } from './heredoc.ts';
import {
  type ParsedArgs,
  parseHealthConfig,
  parseMaybeJson,
  parseMaybeJsonToList,
  parseNameOrNameValue,
  parseNameValue,
  parseString,
  parseWhitespaceDelimited,
} from './line-parsers.ts';
import { splitCommand } from './split-command.ts';

export interface ParseOptions {
  /** The name errors start with (default `Dockerfile`). */
  file?: string;
}

type ArgParser = (rest: string, esc: string) => ParsedArgs;

const ARG_PARSERS: Record<string, ArgParser> = {
  add: parseMaybeJsonToList,
  arg: parseNameOrNameValue,
  cmd: parseMaybeJson,
  copy: parseMaybeJsonToList,
  entrypoint: parseMaybeJson,
  env: (rest, esc) => parseNameValue(rest, 'ENV', esc),
  expose: parseWhitespaceDelimited,
  from: parseWhitespaceDelimited,
  healthcheck: parseHealthConfig,
  label: (rest, esc) => parseNameValue(rest, 'LABEL', esc),
  maintainer: parseString,
  run: parseMaybeJson,
  shell: parseMaybeJson,
  stopsignal: parseString,
  user: parseString,
  volume: parseMaybeJsonToList,
  workdir: parseString,
};

type NodeText = Pick<
  InstructionNode,
  'keyword' | 'rawKeyword' | 'flags' | 'args' | 'json' | 'onbuild' | 'original'
>;

/** Parse one logical line (also an ONBUILD trigger). Throws a plain Error; the caller adds the location. */
export function parseInstructionLine(line: string, esc: string): NodeText {
  const { keyword, flags, args } = splitCommand(line, esc);
  const lower = keyword.toLowerCase();
  const node: NodeText = {
    keyword: lower,
    rawKeyword: keyword,
    flags,
    args: [],
    json: false,
    original: line,
  };
  if (lower === 'onbuild') {
    if (args !== '') node.onbuild = finishNode(parseInstructionLine(args, esc));
    return node;
  }
  const parser = ARG_PARSERS[lower];
  // Unknown instructions are kept (the typed layer reports them, with a suggestion).
  const parsed = parser ? parser(args, esc) : { args: [''], json: false };
  node.args = parsed.args;
  node.json = parsed.json;
  return node;
}

const finishNode = (n: NodeText): InstructionNode => ({
  ...n,
  heredocs: [],
  startLine: 0,
  endLine: 0,
  column: 1,
  comments: [],
});

const trimNewline = (s: string) => s.replace(/[\r\n]+$/, '');

const isComment = (raw: string) => trimGoSpaceStart(trimNewline(raw)).startsWith('#');

const isBlank = (raw: string) => trimGoSpaceStart(trimNewline(raw)) === '';

/**
 * An escape character at the end of a line, optionally followed by blanks,
 * continues the instruction on the next line, unless the character before it is
 * also the escape character (a line ending in `\\` is complete).
 */
function trimContinuation(line: string, esc: string): { text: string; complete: boolean } {
  const body = line.replace(/[ \t]+$/, '');
  if (!body.endsWith(esc)) return { text: line, complete: true };
  const before = body.slice(0, -esc.length);
  if (before === '') return { text: '', complete: false };
  if (before.endsWith(esc)) return { text: line, complete: true };
  return { text: before, complete: false };
}

/** Split into physical lines as Go's bufio.Scanner does (a final newline adds no empty line). */
export function physicalLines(text: string): string[] {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  if (body === '') return [];
  const lines = body.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

const leadingSpaceLength = (s: string) => s.length - trimGoSpaceStart(s).length;

/** Parse Dockerfile text into its syntax tree. Errors are DockerfileErrors with file:line:column. */
export function parseDockerfileAst(text: string, opts: ParseOptions = {}): DockerfileAst {
  const lines = physicalLines(text);
  const src: SourceText = { file: opts.file ?? 'Dockerfile', lines };
  const directives = new DirectiveScanner();
  const warnings: ParseWarning[] = [];
  const children: InstructionNode[] = [];
  let comments: string[] = [];
  let i = 0; // lines consumed so far = 1-based number of the last line read

  while (i < lines.length) {
    const raw = lines[i++];
    const startLine = i;
    const comment = isComment(raw);
    if (comment) {
      const c = trimGoSpace(trimGoSpaceStart(raw).slice(1));
      comments = c === '' ? [] : [...comments, c];
    }
    const token = trimGoSpaceStart(trimNewline(raw));
    try {
      directives.consider(token);
    } catch (err) {
      throw dockerfileError(src, { line: startLine, column: 1 }, (err as Error).message);
    }
    const esc = directives.directives.escape;
    let { text: line, complete } = trimContinuation(comment ? '' : token, esc);
    if (complete && line === '') continue;

    let emptyContinuation = false;
    while (!complete && i < lines.length) {
      const next = lines[i++];
      if (isComment(next)) continue;
      if (isBlank(next)) {
        emptyContinuation = true;
        continue;
      }
      const part = trimContinuation(trimNewline(next), esc);
      line += part.text;
      complete = part.complete;
    }
    if (emptyContinuation) {
      warnings.push({
        rule: 'NoEmptyContinuation',
        message: `Empty continuation line found in: ${line}`,
        detail: 'Empty continuation lines will become errors in a future release',
        url: 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/',
        line: i,
      });
    }

    const at = { line: startLine, column: leadingSpaceLength(raw) + 1, endLine: i };
    let node: InstructionNode;
    try {
      node = finishNode(parseInstructionLine(line, esc));
    } catch (err) {
      throw dockerfileError(src, at, (err as Error).message);
    }

    if (canContainHeredoc(node) && line.includes('<<')) {
      let markers: ReturnType<typeof heredocMarkersOfLine>;
      try {
        markers = heredocMarkersOfLine(line);
      } catch (err) {
        throw dockerfileError(src, at, (err as Error).message);
      }
      for (const marker of markers) {
        let content = '';
        let terminated = false;
        while (i < lines.length) {
          const body = lines[i++];
          if (isHeredocTerminator(marker, body)) {
            terminated = true;
            break;
          }
          content += `${body}\n`;
        }
        if (!terminated) {
          throw dockerfileError(src, { ...at, endLine: i }, `unterminated heredoc ${marker.name}`);
        }
        node.heredocs.push({ ...marker, content });
      }
      if (node.onbuild) node.onbuild.heredocs = node.heredocs;
    }

    node.startLine = startLine;
    node.endLine = i;
    node.column = at.column;
    node.comments = comments;
    if (node.onbuild) Object.assign(node.onbuild, { startLine, endLine: i, column: at.column });
    children.push(node);
    comments = [];
  }

  if (children.length === 0) {
    throw dockerfileError(src, { line: Math.max(i, 1), column: 1 }, 'file with no instructions');
  }
  return {
    file: src.file,
    lines,
    children,
    directives: directives.directives,
    escapeToken: directives.directives.escape,
    warnings,
  };
}
