// runc's command-line shape: global flags, a verb, the verb's flags, then positional
// arguments. Flags take `--name value`, `--name=value` and `-n value`; a boolean takes
// `--name` or `--name=false`. After the first positional argument (or `--`) everything
// is positional, so `exec ID sh -c ...` keeps the command's own flags.
import { invalidArgument } from '../../util/errors.ts';

export interface FlagDef {
  name: string;
  short?: string;
  /** A flag that takes a value; `multi` keeps every occurrence. */
  value?: boolean;
  multi?: boolean;
}

export interface Parsed {
  flags: Map<string, string[]>;
  rest: string[];
}

export function parseFlags(
  argv: readonly string[],
  defs: readonly FlagDef[],
  where: string,
  stopAtFirstArg = true,
): Parsed {
  const byName = new Map<string, FlagDef>();
  for (const d of defs) {
    byName.set(d.name, d);
    if (d.short) byName.set(d.short, d);
  }
  const flags = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      if (stopAtFirstArg) {
        rest.push(...argv.slice(i));
        break;
      }
      rest.push(a);
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const def = byName.get(name);
    if (!def) throw invalidArgument(`${where}: flag provided but not defined: -${name}`);
    let val: string;
    if (def.value) {
      if (eq >= 0) val = body.slice(eq + 1);
      else if (i + 1 < argv.length) val = argv[++i];
      else throw invalidArgument(`${where}: flag needs an argument: -${name}`);
    } else {
      val = eq >= 0 ? body.slice(eq + 1) : 'true';
      if (!['true', 'false', '1', '0'].includes(val))
        throw invalidArgument(`${where}: invalid boolean value "${val}" for -${name}`);
      val = val === '1' || val === 'true' ? 'true' : 'false';
    }
    const list = flags.get(def.name) ?? [];
    if (def.multi) list.push(val);
    else list.splice(0, list.length, val);
    flags.set(def.name, list);
  }
  return { flags, rest };
}

export const flagValue = (p: Parsed, name: string): string | undefined => p.flags.get(name)?.at(-1);
export const flagBool = (p: Parsed, name: string): boolean => flagValue(p, name) === 'true';
export const flagList = (p: Parsed, name: string): string[] => p.flags.get(name) ?? [];

/** The container id: exactly one positional argument unless `extra` allows more. */
export function containerId(p: Parsed, verb: string, extra = 0): string {
  const id = p.rest[0];
  if (!id)
    throw invalidArgument(`${verb}: requires a container id: berth-runc ${verb} [options] <container-id>`);
  if (p.rest.length > 1 + extra)
    throw invalidArgument(
      `${verb}: unexpected arguments after the container id: ${p.rest.slice(1 + extra).join(' ')}`,
    );
  return id;
}
