// Variable expansion of typed instructions, with the instructions and the
// parts of them Docker expands. The builder calls expandInstruction with the
// stage's environment and build args just before it runs each instruction
// (global ARGs only for FROM).
//
// RUN's command is left to the shell, but its --mount values are expanded (as
// BuildKit does). Heredoc sources of COPY/ADD whose delimiter was not quoted
// have $VARs expanded with quotes left alone, also as BuildKit does.
import { DockerfileError } from '../errors.ts';
import { type ExpandOptions, type ExpansionReport, expand, expandWords } from '../expand.ts';
import type { EnvSource } from '../shell-lexer.ts';
import { parseMount } from './mounts.ts';
import type { HeredocSource, Instruction, InstructionName } from './types.ts';

/** Whether the builder expands variables in an instruction's arguments. */
export const EXPANDS: Readonly<Record<InstructionName, boolean>> = {
  ADD: true,
  ARG: true,
  CMD: false,
  COPY: true,
  ENTRYPOINT: false,
  ENV: true,
  EXPOSE: true,
  FROM: true,
  HEALTHCHECK: false,
  LABEL: true,
  MAINTAINER: false,
  ONBUILD: false,
  RUN: false,
  SHELL: false,
  STOPSIGNAL: true,
  USER: true,
  VOLUME: true,
  WORKDIR: true,
};

export interface ExpandInstructionOptions {
  /** Accumulates the variables referenced (for "unused build arg" warnings). */
  report?: ExpansionReport;
}

/** A copy of `instr` with its variables expanded and quotes removed where Docker does so. */
export function expandInstruction<T extends Instruction>(
  instr: T,
  env: EnvSource,
  opts: ExpandInstructionOptions = {},
): T {
  const lexOpts: ExpandOptions = { escapeToken: instr.escapeToken, report: opts.report };
  const at = (err: unknown): never => {
    if (err instanceof DockerfileError) throw err;
    const { file, startLine, endLine, column } = instr.location;
    throw new DockerfileError(file, { line: startLine, column, endLine }, (err as Error).message, undefined, {
      cause: err,
    });
  };
  const w = (word: string) => expand(word, env, lexOpts);
  const opt = (word: string | undefined) => (word === undefined ? undefined : w(word));
  try {
    return expandKinds(
      instr,
      w,
      opt,
      (word) => expandWords(word, env, lexOpts),
      (source) =>
        source.expand
          ? {
              ...source,
              content: expand(source.content, env, { skipProcessQuotes: true, report: opts.report }),
            }
          : source,
    ) as T;
  } catch (err) {
    return at(err);
  }
}

function expandKinds(
  instr: Instruction,
  w: (s: string) => string,
  opt: (s: string | undefined) => string | undefined,
  words: (s: string) => string[],
  heredoc: (h: HeredocSource) => HeredocSource,
): Instruction {
  switch (instr.kind) {
    case 'ENV':
      return { ...instr, vars: instr.vars.map((kv) => ({ key: w(kv.key), value: w(kv.value) })) };
    case 'LABEL':
      return { ...instr, labels: instr.labels.map((kv) => ({ key: w(kv.key), value: w(kv.value) })) };
    case 'ARG':
      return { ...instr, args: instr.args.map((a) => ({ name: w(a.name), value: opt(a.value) })) };
    case 'ADD':
      return {
        ...instr,
        sources: instr.sources.map(w),
        heredocs: instr.heredocs.map(heredoc),
        dest: w(instr.dest),
        checksum: opt(instr.checksum),
        chown: opt(instr.chown),
        chmod: opt(instr.chmod),
        exclude: instr.exclude.map(w),
      };
    case 'COPY':
      return {
        ...instr,
        sources: instr.sources.map(w),
        heredocs: instr.heredocs.map(heredoc),
        dest: w(instr.dest),
        from: opt(instr.from),
        chown: opt(instr.chown),
        chmod: opt(instr.chmod),
        exclude: instr.exclude.map(w),
      };
    case 'EXPOSE':
      return { ...instr, ports: instr.ports.flatMap(words) };
    case 'FROM':
      return { ...instr, image: w(instr.image), platform: opt(instr.platform) };
    case 'STOPSIGNAL':
      return { ...instr, signal: w(instr.signal) };
    case 'USER':
      return { ...instr, user: w(instr.user) };
    case 'WORKDIR':
      return { ...instr, path: w(instr.path) };
    case 'VOLUME':
      return { ...instr, paths: instr.paths.map(w) };
    case 'RUN':
      return { ...instr, mounts: instr.mountSpecs.map((spec) => parseMountAt(spec, w)) };
    default:
      return instr;
  }
}

function parseMountAt(spec: string, w: (s: string) => string) {
  try {
    return parseMount(spec, w);
  } catch (err) {
    throw new Error(`--mount=${spec}: ${(err as Error).message}`, { cause: err });
  }
}
