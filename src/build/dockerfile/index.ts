export type { DockerfileAst, Heredoc, InstructionNode, ParseWarning } from './ast.ts';
export { dumpAst, dumpNode } from './ast.ts';
export type { CheckDirective, Directives, EscapeToken } from './directives.ts';
export { IgnoreMatcher } from './dockerignore/matcher.ts';
export { ignoreFileCandidates, parseDockerignore } from './dockerignore/read.ts';
export { DockerfileError, type SourcePosition } from './errors.ts';
export {
  type ExpandOptions,
  type ExpansionReport,
  expand,
  expandWords,
  newExpansionReport,
} from './expand.ts';
export { chompHeredoc, parseHeredocMarker } from './heredoc.ts';
export {
  EXPANDS,
  type ExpandInstructionOptions,
  expandInstruction,
} from './instructions/expand-instruction.ts';
export { parseGoDuration, parseRamInBytes } from './instructions/go-units.ts';
export { parseMount } from './instructions/mounts.ts';
export { findStage, type ParsedDockerfile, parseDockerfile, type Stage } from './instructions/stages.ts';
export * from './instructions/types.ts';
export { type ParseOptions, parseDockerfileAst } from './parser.ts';
export { type EnvSource, type LexOptions, type LexResult, lexWord } from './shell-lexer.ts';
