// A whole Dockerfile as the builder wants it: the ARGs before the first FROM
// (global scope, usable in FROM lines) and the stages, each a FROM and the
// instructions up to the next FROM. Stage names are case-insensitive.
import type { DockerfileAst, ParseWarning } from '../ast.ts';
import type { Directives, EscapeToken } from '../directives.ts';
import { type ParseOptions, parseDockerfileAst } from '../parser.ts';
import { errorAt, type ParseContext } from './context.ts';
import { parseInstruction } from './parse-instruction.ts';
import type { ArgInstruction, FromInstruction, Instruction } from './types.ts';

export interface Stage {
  /** Position among the stages, for `COPY --from=0`. */
  index: number;
  /** Lowercased `AS` name. */
  name?: string;
  from: FromInstruction;
  /** The instructions after FROM, in order. */
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  ast: DockerfileAst;
  directives: Directives;
  escapeToken: EscapeToken;
  /** ARGs before the first FROM. */
  globalArgs: ArgInstruction[];
  stages: Stage[];
  warnings: ParseWarning[];
}

/** Parse Dockerfile text into typed stages. Errors are DockerfileErrors pointing at the line at fault. */
export function parseDockerfile(text: string, opts: ParseOptions = {}): ParsedDockerfile {
  const ast = parseDockerfileAst(text, opts);
  const ctx: ParseContext = {
    src: { file: ast.file, lines: ast.lines },
    escapeToken: ast.escapeToken,
    warnings: [...ast.warnings],
  };
  const globalArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  const names = new Set<string>();
  for (const node of ast.children) {
    const instr = parseInstruction(ctx, node);
    if (instr.kind === 'FROM') {
      if (instr.stageName !== undefined) {
        if (names.has(instr.stageName)) {
          throw errorAt(ctx, node, `duplicate stage name ${JSON.stringify(instr.stageName)}`, node.args[2]);
        }
        names.add(instr.stageName);
        checkAsCasing(ctx, node.rawKeyword, node.args[1], node.startLine);
      }
      stages.push({ index: stages.length, name: instr.stageName, from: instr, instructions: [] });
    } else if (stages.length === 0) {
      if (instr.kind !== 'ARG') throw errorAt(ctx, node, 'no build stage in current context');
      globalArgs.push(instr);
    } else {
      stages[stages.length - 1].instructions.push(instr);
    }
  }
  if (stages.length === 0) {
    throw errorAt(ctx, ast.children[ast.children.length - 1], 'dockerfile contains no stages to build');
  }
  return {
    ast,
    directives: ast.directives,
    escapeToken: ast.escapeToken,
    globalArgs,
    stages,
    warnings: ctx.warnings,
  };
}

function checkAsCasing(ctx: ParseContext, from: string, as: string, line: number): void {
  const upper = (s: string) => s === s.toUpperCase();
  const lower = (s: string) => s === s.toLowerCase();
  if ((upper(from) && !upper(as)) || (lower(from) && !lower(as))) {
    ctx.warnings.push({
      rule: 'FromAsCasing',
      message: `'${as}' and '${from}' keywords' casing do not match`,
      line,
      url: 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/',
    });
  }
}

/** The stage `ref` names: its `AS` name (any case) or its index. */
export function findStage(stages: readonly Stage[], ref: string): Stage | undefined {
  const lower = ref.toLowerCase();
  const byName = stages.find((s) => s.name === lower);
  if (byName) return byName;
  return /^[0-9]+$/.test(ref) ? stages[Number(ref)] : undefined;
}
