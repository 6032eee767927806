// Instructions that change the image config or the build's variables:
// ENV, LABEL, ARG, EXPOSE, USER, WORKDIR, VOLUME, STOPSIGNAL, MAINTAINER.
import type { InstructionNode } from '../ast.ts';
import {
  baseOf,
  errorAt,
  NO_FLAGS,
  type ParseContext,
  parseFlags,
  requireAtLeastOne,
  requireExactlyOne,
  warn,
} from './context.ts';
import type {
  ArgDefinition,
  ArgInstruction,
  EnvInstruction,
  ExposeInstruction,
  KeyValue,
  LabelInstruction,
  MaintainerInstruction,
  StopsignalInstruction,
  UserInstruction,
  VolumeInstruction,
  WorkdirInstruction,
} from './types.ts';

/** The parser's key, value, separator triples; separator "" marks the legacy `KEY value` form. */
function keyValues(ctx: ParseContext, node: InstructionNode, name: 'ENV' | 'LABEL') {
  parseFlags(ctx, node, NO_FLAGS);
  requireAtLeastOne(ctx, node, name);
  const pairs: KeyValue[] = [];
  for (let i = 0; i + 1 < node.args.length; i += 3) {
    if (node.args[i] === '') throw errorAt(ctx, node, `${name} names can not be blank`);
    pairs.push({ key: node.args[i], value: node.args[i + 1] });
  }
  const legacy = node.args[2] === '';
  if (legacy) {
    warn(
      ctx,
      node,
      'LegacyKeyValueFormat',
      `"${name} key=value" should be used instead of legacy "${name} key value" format`,
    );
  }
  return { pairs, legacy };
}

export function parseEnv(ctx: ParseContext, node: InstructionNode): EnvInstruction {
  const { pairs, legacy } = keyValues(ctx, node, 'ENV');
  return { kind: 'ENV', ...baseOf(ctx, node), vars: pairs, legacy };
}

export function parseLabel(ctx: ParseContext, node: InstructionNode): LabelInstruction {
  const { pairs, legacy } = keyValues(ctx, node, 'LABEL');
  return { kind: 'LABEL', ...baseOf(ctx, node), labels: pairs, legacy };
}

export function parseArg(ctx: ParseContext, node: InstructionNode): ArgInstruction {
  parseFlags(ctx, node, NO_FLAGS);
  const args: ArgDefinition[] = requireAtLeastOne(ctx, node, 'ARG').map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) return { name: word };
    if (eq === 0) throw errorAt(ctx, node, 'ARG names can not be blank', word);
    return { name: word.slice(0, eq), value: word.slice(eq + 1) };
  });
  return { kind: 'ARG', ...baseOf(ctx, node), args };
}

export function parseExpose(ctx: ParseContext, node: InstructionNode): ExposeInstruction {
  parseFlags(ctx, node, NO_FLAGS);
  return { kind: 'EXPOSE', ...baseOf(ctx, node), ports: [...requireAtLeastOne(ctx, node, 'EXPOSE')] };
}

export function parseUser(ctx: ParseContext, node: InstructionNode): UserInstruction {
  parseFlags(ctx, node, NO_FLAGS);
  return { kind: 'USER', ...baseOf(ctx, node), user: requireExactlyOne(ctx, node, 'USER') };
}

export function parseWorkdir(ctx: ParseContext, node: InstructionNode): WorkdirInstruction {
  parseFlags(ctx, node, NO_FLAGS);
  return { kind: 'WORKDIR', ...baseOf(ctx, node), path: requireExactlyOne(ctx, node, 'WORKDIR') };
}

export function parseVolume(ctx: ParseContext, node: InstructionNode): VolumeInstruction {
  parseFlags(ctx, node, NO_FLAGS);
  const paths = requireAtLeastOne(ctx, node, 'VOLUME').map((v) => {
    const path = v.trim();
    if (path === '') throw errorAt(ctx, node, 'VOLUME specified can not be an empty string');
    return path;
  });
  return { kind: 'VOLUME', ...baseOf(ctx, node), paths };
}

export function parseStopsignal(ctx: ParseContext, node: InstructionNode): StopsignalInstruction {
  parseFlags(ctx, node, NO_FLAGS);
  return { kind: 'STOPSIGNAL', ...baseOf(ctx, node), signal: requireExactlyOne(ctx, node, 'STOPSIGNAL') };
}

export function parseMaintainer(ctx: ParseContext, node: InstructionNode): MaintainerInstruction {
  parseFlags(ctx, node, NO_FLAGS);
  const maintainer = requireExactlyOne(ctx, node, 'MAINTAINER');
  warn(ctx, node, 'MaintainerDeprecated', 'Maintainer instruction is deprecated in favor of using label');
  return { kind: 'MAINTAINER', ...baseOf(ctx, node), maintainer };
}
