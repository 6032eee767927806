// HostConfig.SecurityOpt, as Docker reads it: `no-new-privileges[=bool]`,
// `seccomp=unconfined|builtin|<profile JSON>` (the docker CLI sends a profile file's content
// inline), `apparmor=…` and `label=…` (berth's runtime has neither: accepted, warned about,
// ignored unless they ask for confinement off), `systempaths=unconfined` (no masked or
// read-only /proc and /sys paths), `writable-cgroups[=bool]`. The old `key:value` spelling is
// accepted too.
import type { DockerSeccompProfile } from '../../runtime/seccomp/index.ts';
import { invalidArgument } from '../../util/errors.ts';

export type SeccompChoice =
  | { kind: 'default' }
  | { kind: 'unconfined' }
  | { kind: 'custom'; profile: DockerSeccompProfile };

export interface SecurityOptions {
  noNewPrivileges: boolean;
  seccomp: SeccompChoice;
  systemPathsUnconfined: boolean;
  writableCgroups: boolean;
}

// Go's strconv.ParseBool, which Docker uses for these values.
function parseBool(v: string, opt: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw invalidArgument(`invalid --security-opt: ${JSON.stringify(opt)}: "${v}" is not true or false`);
}

function seccompProfile(text: string, opt: string): DockerSeccompProfile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(
      `invalid --security-opt seccomp: want "unconfined", "builtin" or a profile's JSON text (${(err as Error).message}): ${JSON.stringify(opt.slice(0, 80))}`,
    );
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw invalidArgument('invalid --security-opt seccomp: the profile must be a JSON object');
  }
  return doc as DockerSeccompProfile;
}

export function parseSecurityOpts(
  opts: readonly string[] | null | undefined,
  warnings: string[],
): SecurityOptions {
  const out: SecurityOptions = {
    noNewPrivileges: false,
    seccomp: { kind: 'default' },
    systemPathsUnconfined: false,
    writableCgroups: false,
  };
  for (const opt of opts ?? []) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt === 'disable') continue; // label=disable's short form: no labels, which is berth's only mode
    // The first separator counts: a seccomp profile's JSON holds both characters.
    const seps = [opt.indexOf('='), opt.indexOf(':')].filter((i) => i >= 0);
    const sep = seps.length ? Math.min(...seps) : -1;
    if (sep < 0) throw invalidArgument(`invalid --security-opt: ${JSON.stringify(opt)}: want KEY=VALUE`);
    const key = opt.slice(0, sep);
    const value = opt.slice(sep + 1);
    switch (key) {
      case 'no-new-privileges':
        out.noNewPrivileges = parseBool(value, opt);
        break;
      case 'seccomp':
        if (value === 'unconfined') out.seccomp = { kind: 'unconfined' };
        else if (value === 'builtin' || value === 'default' || value === '')
          out.seccomp = { kind: 'default' };
        else out.seccomp = { kind: 'custom', profile: seccompProfile(value, opt) };
        break;
      case 'systempaths':
        if (value !== 'unconfined') {
          throw invalidArgument(
            `invalid --security-opt: ${JSON.stringify(opt)}: systempaths takes only "unconfined"`,
          );
        }
        out.systemPathsUnconfined = true;
        break;
      case 'writable-cgroups':
        out.writableCgroups = parseBool(value, opt);
        break;
      case 'apparmor':
        if (value !== 'unconfined') warnings.push(`AppArmor is not supported by berth: ${opt} ignored`);
        break;
      case 'label':
        if (value !== 'disable') warnings.push(`SELinux labels are not supported by berth: ${opt} ignored`);
        break;
      default:
        throw invalidArgument(`invalid --security-opt: ${JSON.stringify(opt)}: unknown option "${key}"`);
    }
  }
  return out;
}
