// Dockerfile errors carry where they happened (file:line:column) and the text
// at fault, so the CLI and the API can show the user their own line.
import { BerthError } from '../../util/errors.ts';

export interface SourcePosition {
  /** 1-based line. */
  line: number;
  /** 1-based column (UTF-16 units, as editors count). */
  column: number;
  /** Last line of the instruction, when the error is about a whole instruction. */
  endLine?: number;
}

export class DockerfileError extends BerthError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  /** The message without its location prefix. */
  readonly detail: string;
  /** The physical source line the error points at, when known. */
  readonly sourceLine: string | undefined;

  constructor(
    file: string,
    pos: SourcePosition,
    detail: string,
    sourceLine?: string,
    options?: { cause?: unknown },
  ) {
    super('InvalidArgument', `${file}:${pos.line}:${pos.column}: ${detail}`, options);
    this.name = 'DockerfileError';
    this.file = file;
    this.line = pos.line;
    this.column = pos.column;
    this.endLine = pos.endLine ?? pos.line;
    this.detail = detail;
    this.sourceLine = sourceLine;
  }
}

/** Where a file's text is, for errors: its name and its physical lines. */
export interface SourceText {
  file: string;
  lines: readonly string[];
}

export function dockerfileError(
  src: SourceText,
  pos: SourcePosition,
  detail: string,
  options?: { cause?: unknown },
): DockerfileError {
  return new DockerfileError(src.file, pos, detail, src.lines[pos.line - 1], options);
}

/** The position of `needle` within lines [from, to] (1-based), or undefined. */
export function findInLines(
  src: SourceText,
  needle: string,
  from: number,
  to: number,
): SourcePosition | undefined {
  if (!needle) return undefined;
  for (let line = from; line <= to && line <= src.lines.length; line++) {
    const idx = src.lines[line - 1].indexOf(needle);
    if (idx >= 0) return { line, column: idx + 1 };
  }
  return undefined;
}
