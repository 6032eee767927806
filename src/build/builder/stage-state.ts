// What a stage is while it is built: the image config so far (container config,
// diff IDs, history), its layer descriptors, the snapshot its next step goes on,
// and the ARGs in scope. Each finished step changes it; the last one is the image.
import type { Descriptor, ImageConfig } from '../../oci/descriptor.ts';
import type { Digest } from '../../oci/digest.ts';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

export interface StageState {
  config: ImageConfig;
  layers: Descriptor[];
  /** The committed snapshot of the top layer; undefined for no layers (scratch). */
  chainId?: Digest;
  /** ARGs declared in this stage, with the value each has (undefined: declared, no value). */
  args: Map<string, string | undefined>;
  /** A CMD was given in this stage (then ENTRYPOINT does not clear it). */
  cmdSet: boolean;
  /** The image this stage started from, for the new image's parent. */
  baseImageId?: Digest;
}

/** The stage's shell: its SHELL, else /bin/sh -c. */
export const shellOf = (s: StageState): string[] => s.config.config?.Shell ?? DEFAULT_SHELL;

/** `Env` of the config as a map, in order. */
export function envMap(s: StageState): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of s.config.config?.Env ?? []) {
    const eq = e.indexOf('=');
    if (eq < 0) out.set(e, '');
    else out.set(e.slice(0, eq), e.slice(eq + 1));
  }
  return out;
}

/** Variables for expansion: ARGs with values, then ENV, which wins over an ARG of the same name. */
export function expansionEnv(s: StageState): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of s.args) if (v !== undefined) out.set(k, v);
  for (const [k, v] of envMap(s)) out.set(k, v);
  return out;
}

/** The ARGs with values that ENV does not shadow: what a RUN gets beyond the config's Env. */
export function runArgs(s: StageState): [string, string][] {
  const env = envMap(s);
  return [...s.args].filter((e): e is [string, string] => e[1] !== undefined && !env.has(e[0]));
}
