// The daemon's table of OCI runtime commands: `runc` when a runc binary is on PATH, and
// Docker's `--add-runtime NAME=PATH` (a bare PATH is looked up on PATH, as Docker does), a
// later one replacing an earlier one of the same name. `berth` is berth's own runtime and
// cannot be redefined.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { invalidArgument } from '../../util/errors.ts';
import { BERTH_RUNTIME } from './runtime-set.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** `path` if it is an executable file. */
function executable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** An absolute command path as given, or a bare name found on `searchPath`; undefined when there is none. */
export function findCommand(command: string, searchPath: string): string | undefined {
  if (isAbsolute(command)) return executable(command) ? command : undefined;
  if (command.includes('/')) return undefined;
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/** One `--add-runtime NAME=PATH`. */
export function parseAddRuntime(value: string): { name: string; path: string } {
  const i = value.indexOf('=');
  const name = i < 0 ? value : value.slice(0, i);
  const path = i < 0 ? '' : value.slice(i + 1);
  if (!name || !path) throw invalidArgument(`--add-runtime "${value}": give NAME=PATH`);
  if (!NAME.test(name))
    throw invalidArgument(`--add-runtime "${value}": the name may hold letters, digits and _ . -`);
  if (name === BERTH_RUNTIME)
    throw invalidArgument(`--add-runtime "${value}": runtime name "${BERTH_RUNTIME}" is reserved`);
  return { name, path };
}

/** The runtime commands of a daemon: runc when found, then each `--add-runtime`, paths resolved. */
export function runtimeCommands(addRuntime: readonly string[], searchPath: string): Record<string, string> {
  const out: Record<string, string> = {};
  const runc = findCommand('runc', searchPath);
  if (runc) out.runc = runc;
  for (const value of addRuntime) {
    const { name, path } = parseAddRuntime(value);
    const found = findCommand(path, searchPath);
    if (!found)
      throw invalidArgument(
        `--add-runtime ${name}=${path}: no executable ${isAbsolute(path) ? 'file' : 'on PATH'} at ${path}`,
      );
    out[name] = found;
  }
  return out;
}
