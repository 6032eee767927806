// One syntax-tree node to one typed instruction: checks the keyword, the
// flags the instruction accepts and the shape of its arguments.
import type { InstructionNode } from '../ast.ts';
import { baseOf, errorAt, NO_FLAGS, type ParseContext, parseFlags } from './context.ts';
import { parseCmd, parseEntrypoint, parseHealthcheck, parseRun, parseShell } from './parse-commands.ts';
import { parseAdd, parseCopy } from './parse-files.ts';
import {
  parseArg,
  parseEnv,
  parseExpose,
  parseLabel,
  parseMaintainer,
  parseStopsignal,
  parseUser,
  parseVolume,
  parseWorkdir,
} from './parse-metadata.ts';
import { withSuggestion } from './suggest.ts';
import {
  type FromInstruction,
  INSTRUCTION_NAMES,
  type Instruction,
  type InstructionName,
  type OnbuildInstruction,
} from './types.ts';

type Parser = (ctx: ParseContext, node: InstructionNode) => Instruction;

const PARSERS: Record<InstructionName, Parser> = {
  ADD: parseAdd,
  ARG: parseArg,
  CMD: parseCmd,
  COPY: parseCopy,
  ENTRYPOINT: parseEntrypoint,
  ENV: parseEnv,
  EXPOSE: parseExpose,
  FROM: parseFrom,
  HEALTHCHECK: parseHealthcheck,
  LABEL: parseLabel,
  MAINTAINER: parseMaintainer,
  ONBUILD: parseOnbuild,
  RUN: parseRun,
  SHELL: parseShell,
  STOPSIGNAL: parseStopsignal,
  USER: parseUser,
  VOLUME: parseVolume,
  WORKDIR: parseWorkdir,
};

const isInstructionName = (s: string): s is InstructionName =>
  (INSTRUCTION_NAMES as readonly string[]).includes(s);

export function parseInstruction(ctx: ParseContext, node: InstructionNode): Instruction {
  const name = node.keyword.toUpperCase();
  if (!isInstructionName(name)) {
    throw errorAt(ctx, node, withSuggestion(`unknown instruction: ${name}`, name, INSTRUCTION_NAMES));
  }
  return PARSERS[name](ctx, node);
}

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

function parseFrom(ctx: ParseContext, node: InstructionNode): FromInstruction {
  const flags = parseFlags(ctx, node, { platform: 'string' });
  const args = node.args;
  let stageName: string | undefined;
  if (args.length === 3 && args[1].toLowerCase() === 'as') {
    stageName = args[2].toLowerCase();
    if (!STAGE_NAME.test(stageName)) {
      throw errorAt(
        ctx,
        node,
        `invalid name for build stage: ${JSON.stringify(args[2])}, name can't start with a number or contain symbols`,
        args[2],
      );
    }
    if (args[2] !== stageName) {
      ctx.warnings.push({
        rule: 'StageNameCasing',
        message: `Stage name '${args[2]}' should be lowercase`,
        line: node.startLine,
        url: 'https://docs.docker.com/go/dockerfile/rule/stage-name-casing/',
      });
    }
  } else if (args.length !== 1) {
    throw errorAt(ctx, node, 'FROM requires either one or three arguments');
  }
  return {
    kind: 'FROM',
    ...baseOf(ctx, node),
    image: args[0],
    platform: flags.string('platform'),
    stageName,
  };
}

function parseOnbuild(ctx: ParseContext, node: InstructionNode): OnbuildInstruction {
  parseFlags(ctx, node, NO_FLAGS);
  const inner = node.onbuild;
  if (!inner) throw errorAt(ctx, node, 'ONBUILD requires at least one argument');
  const triggerName = inner.keyword.toUpperCase();
  if (triggerName === 'ONBUILD')
    throw errorAt(ctx, node, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (triggerName === 'MAINTAINER' || triggerName === 'FROM') {
    throw errorAt(ctx, node, `${triggerName} isn't allowed as an ONBUILD trigger`, inner.rawKeyword);
  }
  const trigger = parseInstruction(ctx, inner);
  let expression = node.original.replace(/^\s*ONBUILD\s*/i, '');
  for (const h of node.heredocs) expression += `\n${h.content}${h.name}`;
  return { kind: 'ONBUILD', ...baseOf(ctx, node), trigger, expression };
}
