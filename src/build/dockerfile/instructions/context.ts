// What every instruction parser needs: where the node is in the source (to
// point errors at it), the file's escape character, the warnings list, and
// flag parsing that reports the flag's own position.
import type { InstructionNode, ParseWarning } from '../ast.ts';
import type { EscapeToken } from '../directives.ts';
import { type DockerfileError, dockerfileError, findInLines, type SourceText } from '../errors.ts';
import { FlagError, type FlagSpec, ParsedFlags } from './flags.ts';
import type { InstructionLocation } from './types.ts';

export interface ParseContext {
  src: SourceText;
  escapeToken: EscapeToken;
  warnings: ParseWarning[];
}

/** An error at the instruction, or at `needle` when it can be found on the instruction's lines. */
export function errorAt(
  ctx: ParseContext,
  node: InstructionNode,
  detail: string,
  needle?: string,
): DockerfileError {
  const found = needle ? findInLines(ctx.src, needle, node.startLine, node.endLine) : undefined;
  const pos = found ?? { line: node.startLine, column: node.column };
  return dockerfileError(ctx.src, { ...pos, endLine: node.endLine }, detail);
}

export function parseFlags(ctx: ParseContext, node: InstructionNode, spec: FlagSpec): ParsedFlags {
  try {
    return new ParsedFlags(spec, node.flags);
  } catch (err) {
    if (err instanceof FlagError) throw errorAt(ctx, node, err.message, `--${err.flag}`);
    throw err;
  }
}

export const NO_FLAGS: FlagSpec = {};

export function locationOf(ctx: ParseContext, node: InstructionNode): InstructionLocation {
  return { file: ctx.src.file, startLine: node.startLine, endLine: node.endLine, column: node.column };
}

/** The fields every instruction carries. */
export function baseOf(ctx: ParseContext, node: InstructionNode) {
  return { location: locationOf(ctx, node), original: node.original.trim(), escapeToken: ctx.escapeToken };
}

export function warn(ctx: ParseContext, node: InstructionNode, rule: string, message: string): void {
  ctx.warnings.push({
    rule,
    message,
    line: node.startLine,
    url: `https://docs.docker.com/go/dockerfile/rule/${kebab(rule)}/`,
  });
}

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

export function requireExactlyOne(ctx: ParseContext, node: InstructionNode, name: string): string {
  if (node.args.length !== 1) throw errorAt(ctx, node, `${name} requires exactly one argument`);
  return node.args[0];
}

export function requireAtLeastOne(ctx: ParseContext, node: InstructionNode, name: string): string[] {
  if (node.args.length === 0) throw errorAt(ctx, node, `${name} requires at least one argument`);
  return node.args;
}
