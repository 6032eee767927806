// Heredocs in RUN, COPY and ADD (and those inside ONBUILD): `<<EOF`, `<<-EOF`,
// `<<"EOF"`, `3<<EOF`, several per line. A word of the instruction line is a
// heredoc marker when it is `[digits]<<[-]WORD` and WORD lexes to one word.
// Quoting any part of WORD turns expansion of the body off.
import type { Heredoc, InstructionNode } from './ast.ts';
import { lexWord } from './shell-lexer.ts';

const MARKER = /^([0-9]*)<<(-?)([^<]*)$/;
const NO_ENV: Readonly<Record<string, string>> = Object.freeze({});
const HEREDOC_INSTRUCTIONS = new Set(['run', 'copy', 'add']);

export type HeredocMarker = Omit<Heredoc, 'content'>;

const quoteCount = (s: string) => (s.match(/['"]/g) ?? []).length;

/** The heredoc marker `word` stands for, or undefined when it is not one. */
export function parseHeredocMarker(word: string): HeredocMarker | undefined {
  const m = MARKER.exec(word);
  if (!m || m[3] === '') return undefined;
  const rest = m[3];
  const words = lexWord(rest, NO_ENV, { skipUnsetEnv: true }).words;
  if (words.length !== 1) return undefined;
  const raw = lexWord(rest, NO_ENV, { skipUnsetEnv: true, rawQuotes: true }).words;
  if (raw.length !== words.length) {
    throw new Error(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  }
  return {
    name: words[0],
    expand: quoteCount(words[0]) === quoteCount(raw[0]),
    chomp: m[2] === '-',
    fileDescriptor: m[1] === '' ? 0 : Number.parseInt(m[1], 10),
  };
}

/** The heredoc markers on an instruction line, in order. */
export function heredocMarkersOfLine(line: string): HeredocMarker[] {
  let words: string[];
  try {
    // Markers are found with the default escape, whatever the file's escape directive.
    words = lexWord(line, NO_ENV, { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).words;
  } catch {
    return [];
  }
  const markers: HeredocMarker[] = [];
  for (const word of words) {
    const marker = parseHeredocMarker(word);
    if (marker) markers.push(marker);
  }
  return markers;
}

/** RUN, COPY and ADD in shell form take heredocs, also as an ONBUILD trigger. */
export function canContainHeredoc(node: Pick<InstructionNode, 'keyword' | 'json' | 'onbuild'>): boolean {
  const target = node.keyword === 'onbuild' && node.onbuild ? node.onbuild : node;
  return HEREDOC_INSTRUCTIONS.has(target.keyword) && !target.json;
}

/** Whether `line` (one physical line) ends the heredoc. */
export function isHeredocTerminator(marker: HeredocMarker, line: string): boolean {
  let candidate = line.replace(/[\r\n]+$/, '');
  if (marker.chomp) candidate = candidate.replace(/^\t+/, '');
  return candidate === marker.name;
}

/** The body of a `<<-` heredoc: leading tabs removed from every line. */
export const chompHeredoc = (content: string): string =>
  content
    .split('\n')
    .map((line) => line.replace(/^\t+/, ''))
    .join('\n');
