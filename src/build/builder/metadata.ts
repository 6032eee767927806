// Instructions that change only the image config (no layer), and the text Docker's
// classic builder records in the history for them: `#(nop) ` and the instruction
// after the stage's shell, e.g. `/bin/sh -c #(nop)  CMD ["sh"]`, with empty_layer.
import { posix } from 'node:path';
import type { ContainerConfig } from '../../oci/descriptor.ts';
import { invalidArgument } from '../../util/errors.ts';
import type { CommandLine, Instruction } from '../dockerfile/index.ts';
import { type StageState, shellOf } from './stage-state.ts';

/** A command as the config stores it: exec form as is, shell form through the shell. */
export const commandArgv = (cmd: CommandLine, shell: readonly string[]): string[] =>
  cmd.form === 'exec' ? [...cmd.argv] : [...shell, cmd.script];

/** Go's %q of a []string, which Docker uses in history texts: ["a" "b"]. */
const goList = (items: readonly string[]) => `[${items.map((i) => JSON.stringify(i)).join(' ')}]`;

/** The history's created_by of a step that ran no command. */
export const nopCreatedBy = (s: StageState, text: string): string =>
  [...shellOf(s), `#(nop) `, text].join(' ');

function setEnv(c: ContainerConfig, key: string, value: string): void {
  const env = [...(c.Env ?? [])];
  const i = env.findIndex((e) => e === key || e.startsWith(`${key}=`));
  if (i >= 0) env[i] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
  c.Env = env;
}

/** A map with its keys in Go's JSON order (sorted), so the config's bytes are what Docker would write. */
const sortedKeys = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Docker's port spec: `80`, `80/udp`, `8000-8002/tcp` (a range: one entry per port). */
export function exposedPorts(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m)
    throw invalidArgument(`invalid port ${JSON.stringify(spec)} in EXPOSE: expected PORT[-PORT][/PROTOCOL]`);
  const first = Number(m[1]);
  const last = m[2] ? Number(m[2]) : first;
  const proto = (m[3] ?? 'tcp').toLowerCase();
  if (first < 1 || last > 65535 || last < first)
    throw invalidArgument(`invalid port range ${spec} in EXPOSE`);
  const out: string[] = [];
  for (let p = first; p <= last; p++) out.push(`${p}/${proto}`);
  return out;
}

/** The working directory WORKDIR sets: relative paths are against the current one. */
export const workdirOf = (s: StageState, path: string): string =>
  posix.resolve(s.config.config?.WorkingDir || '/', path);

/**
 * Apply a config-only instruction to the stage; returns the history text, or
 * undefined when `instr` is not such an instruction. `instr` is already expanded.
 */
export function applyMetadata(s: StageState, instr: Instruction): string | undefined {
  const c: ContainerConfig = { ...(s.config.config ?? {}) };
  let text: string;
  switch (instr.kind) {
    case 'ENV':
      for (const kv of instr.vars) setEnv(c, kv.key, kv.value);
      text = `ENV ${instr.vars.map((kv) => `${kv.key}=${kv.value}`).join(' ')}`;
      break;
    case 'LABEL':
      c.Labels = { ...(c.Labels ?? {}) };
      for (const kv of instr.labels) c.Labels[kv.key] = kv.value;
      c.Labels = sortedKeys(c.Labels);
      text = `LABEL ${instr.labels.map((kv) => `${kv.key}=${kv.value}`).join(' ')}`;
      break;
    case 'CMD':
      c.Cmd = commandArgv(instr.command, shellOf(s));
      s.cmdSet = true;
      text = `CMD ${goList(c.Cmd)}`;
      break;
    case 'ENTRYPOINT':
      c.Entrypoint = commandArgv(instr.command, shellOf(s));
      if (!s.cmdSet) delete c.Cmd;
      text = `ENTRYPOINT ${goList(c.Entrypoint)}`;
      break;
    case 'USER':
      c.User = instr.user;
      text = `USER ${instr.user}`;
      break;
    case 'EXPOSE': {
      const ports = instr.ports.flatMap(exposedPorts);
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const p of ports) c.ExposedPorts[p] = {};
      c.ExposedPorts = sortedKeys(c.ExposedPorts);
      text = `EXPOSE ${ports.join(' ')}`;
      break;
    }
    case 'VOLUME':
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const p of instr.paths) {
        if (!p) throw invalidArgument('VOLUME specified can not be an empty string');
        c.Volumes[p] = {};
      }
      c.Volumes = sortedKeys(c.Volumes);
      text = `VOLUME [${instr.paths.join(' ')}]`;
      break;
    case 'STOPSIGNAL':
      c.StopSignal = instr.signal;
      text = `STOPSIGNAL ${instr.signal}`;
      break;
    case 'HEALTHCHECK': {
      const hc: NonNullable<ContainerConfig['Healthcheck']> = { Test: [...instr.test] };
      if (instr.interval) hc.Interval = instr.interval;
      if (instr.timeout) hc.Timeout = instr.timeout;
      if (instr.startPeriod) hc.StartPeriod = instr.startPeriod;
      if (instr.startInterval) hc.StartInterval = instr.startInterval;
      if (instr.retries) hc.Retries = instr.retries;
      c.Healthcheck = hc;
      text = `HEALTHCHECK ${goList(instr.test)}`;
      break;
    }
    case 'SHELL':
      c.Shell = [...instr.shell];
      text = `SHELL [${instr.shell.join(' ')}]`;
      break;
    case 'MAINTAINER':
      s.config = { ...s.config, author: instr.maintainer };
      text = `MAINTAINER ${instr.maintainer}`;
      break;
    case 'ONBUILD':
      c.OnBuild = [...(c.OnBuild ?? []), instr.expression];
      text = `ONBUILD ${instr.expression}`;
      break;
    default:
      return undefined;
  }
  s.config = { ...s.config, config: c };
  return text;
}
