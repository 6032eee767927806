// The typed instructions the builder consumes: one discriminated union member
// per Dockerfile instruction. Word arguments are kept as written (quotes and
// `$VAR`s included) until expandInstruction runs with the stage's variables;
// instructions Docker does not expand (RUN, CMD, ENTRYPOINT, SHELL,
// HEALTHCHECK, ONBUILD, MAINTAINER) hold their final values already.
import type { Heredoc } from '../ast.ts';
import type { EscapeToken } from '../directives.ts';

export type InstructionName =
  | 'ADD'
  | 'ARG'
  | 'CMD'
  | 'COPY'
  | 'ENTRYPOINT'
  | 'ENV'
  | 'EXPOSE'
  | 'FROM'
  | 'HEALTHCHECK'
  | 'LABEL'
  | 'MAINTAINER'
  | 'ONBUILD'
  | 'RUN'
  | 'SHELL'
  | 'STOPSIGNAL'
  | 'USER'
  | 'VOLUME'
  | 'WORKDIR';

export const INSTRUCTION_NAMES: readonly InstructionName[] = [
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
];

export interface InstructionLocation {
  file: string;
  /** 1-based, inclusive; endLine includes heredoc bodies and continuation lines. */
  startLine: number;
  endLine: number;
  /** 1-based column of the keyword. */
  column: number;
}

interface Base {
  location: InstructionLocation;
  /** The instruction's logical line, trimmed (for progress output and the image history). */
  original: string;
  /** The file's escape character: expansion must use it. */
  escapeToken: EscapeToken;
}

/** Shell form runs through the stage's SHELL; exec form is the argv itself. */
export type CommandLine = { form: 'shell'; script: string } | { form: 'exec'; argv: string[] };

export interface KeyValue {
  key: string;
  value: string;
}

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
export type MountSharing = 'shared' | 'private' | 'locked';

/** One `RUN --mount=...`. ssh is parsed so the builder can refuse it by name. */
export interface RunMount {
  type: MountType;
  target?: string;
  source?: string;
  /** Stage name, stage index or image the source comes from (bind, cache). */
  from?: string;
  readOnly: boolean;
  /** Cache id, secret id or ssh agent id. */
  id?: string;
  sharing?: MountSharing;
  /** secret and ssh: fail when the secret or agent is missing. */
  required?: boolean;
  /** File mode of the cache directory or secret/ssh file. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** tmpfs size limit in bytes. */
  size?: number;
  /** secret: also (or, without a target, only) put its value in this environment variable. */
  env?: string;
}

export type NetworkMode = 'default' | 'none' | 'host';
export type SecurityMode = 'sandbox' | 'insecure';

/** A heredoc used as a source file of COPY/ADD: written to `name` in a scratch context. */
export interface HeredocSource {
  name: string;
  content: string;
  /** Expand `$VAR`s in the content (the delimiter was not quoted). */
  expand: boolean;
}

export interface FromInstruction extends Base {
  kind: 'FROM';
  image: string;
  platform?: string;
  /** Lowercased, validated name of `FROM ... AS name`. */
  stageName?: string;
}

export interface RunInstruction extends Base {
  kind: 'RUN';
  command: CommandLine;
  mounts: RunMount[];
  /** The raw `--mount` values; expandInstruction re-parses them after expansion. */
  mountSpecs: string[];
  network: NetworkMode;
  security?: SecurityMode;
  /** Heredoc bodies (already without leading tabs for `<<-`). */
  heredocs: Heredoc[];
}

export interface CmdInstruction extends Base {
  kind: 'CMD';
  command: CommandLine;
}

export interface EntrypointInstruction extends Base {
  kind: 'ENTRYPOINT';
  command: CommandLine;
}

export interface LabelInstruction extends Base {
  kind: 'LABEL';
  labels: KeyValue[];
  /** Written as `LABEL key value` (deprecated form). */
  legacy: boolean;
}

export interface EnvInstruction extends Base {
  kind: 'ENV';
  vars: KeyValue[];
  /** Written as `ENV key value` (deprecated form). */
  legacy: boolean;
}

export interface ExposeInstruction extends Base {
  kind: 'EXPOSE';
  ports: string[];
}

export interface AddInstruction extends Base {
  kind: 'ADD';
  sources: string[];
  heredocs: HeredocSource[];
  dest: string;
  checksum?: string;
  chown?: string;
  chmod?: string;
  keepGitDir: boolean;
  link: boolean;
  /** undefined: Docker's default (unpack local archives, not remote ones). */
  unpack?: boolean;
  exclude: string[];
}

export interface CopyInstruction extends Base {
  kind: 'COPY';
  sources: string[];
  heredocs: HeredocSource[];
  dest: string;
  from?: string;
  chown?: string;
  chmod?: string;
  link: boolean;
  parents: boolean;
  exclude: string[];
}

export interface VolumeInstruction extends Base {
  kind: 'VOLUME';
  paths: string[];
}

export interface UserInstruction extends Base {
  kind: 'USER';
  user: string;
}

export interface WorkdirInstruction extends Base {
  kind: 'WORKDIR';
  path: string;
}

export interface ArgDefinition {
  name: string;
  /** undefined: declared without a default. */
  value?: string;
}

export interface ArgInstruction extends Base {
  kind: 'ARG';
  args: ArgDefinition[];
}

export interface OnbuildInstruction extends Base {
  kind: 'ONBUILD';
  trigger: Instruction;
  /** The trigger as the image config stores it (heredoc bodies appended). */
  expression: string;
}

export interface StopsignalInstruction extends Base {
  kind: 'STOPSIGNAL';
  signal: string;
}

/** Durations are in nanoseconds, as the image config stores them; 0 means "inherit the default". */
export interface HealthcheckInstruction extends Base {
  kind: 'HEALTHCHECK';
  /** ["NONE"], ["CMD", ...argv] or ["CMD-SHELL", script]. */
  test: string[];
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

export interface ShellInstruction extends Base {
  kind: 'SHELL';
  shell: string[];
}

export interface MaintainerInstruction extends Base {
  kind: 'MAINTAINER';
  maintainer: string;
}

export type Instruction =
  | AddInstruction
  | ArgInstruction
  | CmdInstruction
  | CopyInstruction
  | EntrypointInstruction
  | EnvInstruction
  | ExposeInstruction
  | FromInstruction
  | HealthcheckInstruction
  | LabelInstruction
  | MaintainerInstruction
  | OnbuildInstruction
  | RunInstruction
  | ShellInstruction
  | StopsignalInstruction
  | UserInstruction
  | VolumeInstruction
  | WorkdirInstruction;

// Compile-time check: every instruction name has exactly one union member.
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const kindsMatchNames: SameSet<Instruction['kind'], InstructionName> = true;
void kindsMatchNames;
