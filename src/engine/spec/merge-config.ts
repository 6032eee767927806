// A create request's Config over the image's config, by Docker's rules: the request's Env
// entries win per name and the image's others follow; an Entrypoint in the request replaces
// the image's and drops the image's Cmd (`--entrypoint ""`, sent as [""], clears both); the
// image's Cmd is used only when the request gives neither; User, WorkingDir and StopSignal
// fall back to the image's; Volumes are the union.
import type { ContainerConfig as ImageContainerConfig } from '../../oci/descriptor.ts';
import { invalidArgument } from '../../util/errors.ts';
import type { ContainerConfig } from '../container-config.ts';

/** The parts of a container's Config that the image can supply, after merging. */
export interface MergedConfig {
  Env: string[];
  Entrypoint: string[];
  Cmd: string[];
  User: string;
  WorkingDir: string;
  Volumes: string[];
  StopSignal?: string;
}

const nameOf = (entry: string) => {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
};

export function mergeConfig(
  request: ContainerConfig,
  image: ImageContainerConfig | null | undefined,
): MergedConfig {
  const img = image ?? {};
  const requestEnv = request.Env ?? [];
  const env = [...requestEnv];
  for (const e of img.Env ?? []) {
    if (!requestEnv.some((r) => nameOf(r) === nameOf(e))) env.push(e);
  }

  // Absent and null both mean "not given"; an empty list is given and empty.
  let entrypoint = request.Entrypoint ?? undefined;
  let cmd = request.Cmd?.length ? request.Cmd : undefined;
  if (!entrypoint?.length) {
    cmd ??= img.Cmd ?? undefined;
    entrypoint ??= img.Entrypoint ?? undefined;
  }
  if (entrypoint?.length === 1 && entrypoint[0] === '') entrypoint = undefined;
  if (!entrypoint?.length && !cmd?.length) {
    throw invalidArgument('no command specified: give a command, or use an image with a CMD or ENTRYPOINT');
  }

  const volumes = [...Object.keys(request.Volumes ?? {})];
  for (const v of Object.keys(img.Volumes ?? {})) if (!volumes.includes(v)) volumes.push(v);

  const stopSignal = request.StopSignal || img.StopSignal;
  return {
    Env: env,
    Entrypoint: [...(entrypoint ?? [])],
    Cmd: [...(cmd ?? [])],
    User: request.User || img.User || '',
    WorkingDir: request.WorkingDir || img.WorkingDir || '',
    Volumes: volumes,
    ...(stopSignal ? { StopSignal: stopSignal } : {}),
  };
}

/** Docker's Path and Args of a container: the first word of Entrypoint + Cmd, and the rest. */
export function processArgs(merged: Pick<MergedConfig, 'Entrypoint' | 'Cmd'>): {
  path: string;
  args: string[];
} {
  const all = [...merged.Entrypoint, ...merged.Cmd];
  return { path: all[0] ?? '', args: all.slice(1) };
}

/**
 * The process environment as Docker builds it: PATH (a default), HOSTNAME and, with a
 * terminal, TERM=xterm first; then the merged Env, each entry replacing a default of the same
 * name in place or appended (a later duplicate replaces an earlier one). An entry without
 * `=` unsets the name. HOME comes last when nothing set it.
 */
export function processEnv(opts: {
  env: readonly string[];
  hostname: string;
  tty: boolean;
  home: string;
  defaultPath: string;
}): string[] {
  const out: (string | undefined)[] = [opts.defaultPath, `HOSTNAME=${opts.hostname}`];
  if (opts.tty) out.push('TERM=xterm');
  const index = new Map<string, number>();
  out.forEach((e, i) => {
    if (e) index.set(nameOf(e), i);
  });
  for (const e of opts.env) {
    const name = nameOf(e);
    if (name === '') continue;
    const at = index.get(name);
    if (!e.includes('=')) {
      if (at !== undefined) out[at] = undefined;
      index.delete(name);
    } else if (at !== undefined) out[at] = e;
    else {
      index.set(name, out.length);
      out.push(e);
    }
  }
  const env = out.filter((e): e is string => e !== undefined);
  if (!env.some((e) => nameOf(e) === 'HOME')) env.push(`HOME=${opts.home}`);
  return env;
}
