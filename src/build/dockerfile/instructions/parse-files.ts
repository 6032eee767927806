// ADD and COPY: sources, destination, heredoc sources and their flags.
import type { InstructionNode } from '../ast.ts';
import { chompHeredoc, parseHeredocMarker } from '../heredoc.ts';
import { baseOf, errorAt, type ParseContext, parseFlags } from './context.ts';
import type { AddInstruction, CopyInstruction, HeredocSource } from './types.ts';

function markerOf(word: string) {
  try {
    return parseHeredocMarker(word);
  } catch {
    return undefined;
  }
}

function sourcesAndDest(ctx: ParseContext, node: InstructionNode, name: 'ADD' | 'COPY') {
  if (node.args.length < 2) {
    throw errorAt(
      ctx,
      node,
      `${name} requires at least two arguments, but only one was provided. Destination could not be determined`,
    );
  }
  const dest = node.args[node.args.length - 1];
  if (!node.json && markerOf(dest))
    throw errorAt(ctx, node, `${name} cannot accept a heredoc as a destination`, dest);
  const sources: string[] = [];
  const heredocs: HeredocSource[] = [];
  for (const src of node.args.slice(0, -1)) {
    const marker = node.json ? undefined : markerOf(src);
    const body = marker && node.heredocs.find((h) => h.name === marker.name);
    if (marker && body) {
      const content = marker.chomp ? chompHeredoc(body.content) : body.content;
      heredocs.push({ name: marker.name, content, expand: marker.expand });
    } else {
      sources.push(src);
    }
  }
  return { sources, heredocs, dest };
}

export function parseAdd(ctx: ParseContext, node: InstructionNode): AddInstruction {
  const flags = parseFlags(ctx, node, {
    chown: 'string',
    chmod: 'string',
    link: 'bool',
    'keep-git-dir': 'bool',
    checksum: 'string',
    exclude: 'strings',
    unpack: 'bool',
  });
  return {
    kind: 'ADD',
    ...baseOf(ctx, node),
    ...sourcesAndDest(ctx, node, 'ADD'),
    checksum: flags.string('checksum'),
    chown: flags.string('chown'),
    chmod: flags.string('chmod'),
    keepGitDir: flags.bool('keep-git-dir'),
    link: flags.bool('link'),
    unpack: flags.boolOrUndefined('unpack'),
    exclude: flags.strings('exclude'),
  };
}

export function parseCopy(ctx: ParseContext, node: InstructionNode): CopyInstruction {
  const flags = parseFlags(ctx, node, {
    chown: 'string',
    chmod: 'string',
    from: 'string',
    link: 'bool',
    parents: 'bool',
    exclude: 'strings',
  });
  return {
    kind: 'COPY',
    ...baseOf(ctx, node),
    ...sourcesAndDest(ctx, node, 'COPY'),
    from: flags.string('from'),
    chown: flags.string('chown'),
    chmod: flags.string('chmod'),
    link: flags.bool('link'),
    parents: flags.bool('parents'),
    exclude: flags.strings('exclude'),
  };
}
