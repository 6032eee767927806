// Validation of an untrusted config.json against the runtime-spec schema's rules
// (config-schema.json and what it references). The first bad value fails the whole
// document with its JSON path: `config.json: linux.namespaces[2].type: unknown namespace
// type "foo"`. Checks that go beyond the schema (mount destinations, capability names)
// happen where the spec is turned into a launch plan.
import { At } from '../../oci/validate-fields.ts';
import { BerthError } from '../../util/errors.ts';
import {
  anyInt,
  arrayOf,
  atLeast,
  bool,
  int32,
  matching,
  object,
  oneOf,
  str,
  stringMap,
  uint32,
  uint64,
} from './checks.ts';
import type { Spec } from './types.ts';
import { idMapping, linux, SCHEDULER_FLAGS, SCHEDULER_POLICIES } from './validate-linux.ts';
import { freebsd, solaris, vm, windows, zos } from './validate-platforms.ts';

const hook = object({ path: str, args: arrayOf(str), env: arrayOf(str), timeout: atLeast(1) }, ['path']);
const hooks = arrayOf(hook);

export const mount = object(
  {
    source: str,
    destination: str,
    options: arrayOf(str),
    type: str,
    uidMappings: arrayOf(idMapping),
    gidMappings: arrayOf(idMapping),
  },
  ['destination'],
);

const cpuList = matching(/^[0-9, -]*$/, 'CPU list');

const process = object(
  {
    args: arrayOf(str),
    commandLine: str,
    consoleSize: object({ height: uint64, width: uint64 }, ['height', 'width']),
    cwd: str,
    env: arrayOf(str),
    terminal: bool,
    user: object({ uid: uint32, gid: uint32, umask: uint32, additionalGids: arrayOf(uint32), username: str }),
    capabilities: object({
      bounding: arrayOf(str),
      permitted: arrayOf(str),
      effective: arrayOf(str),
      inheritable: arrayOf(str),
      ambient: arrayOf(str),
    }),
    apparmorProfile: str,
    oomScoreAdj: anyInt,
    selinuxLabel: str,
    ioPriority: object(
      {
        class: oneOf(['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'], 'I/O priority class'),
        priority: int32,
      },
      ['class'],
    ),
    noNewPrivileges: bool,
    scheduler: object(
      {
        policy: oneOf(SCHEDULER_POLICIES, 'scheduler policy'),
        nice: int32,
        priority: int32,
        flags: arrayOf(oneOf(SCHEDULER_FLAGS, 'scheduler flag')),
        runtime: uint64,
        deadline: uint64,
        period: uint64,
      },
      ['policy'],
    ),
    rlimits: arrayOf(
      object({ hard: uint64, soft: uint64, type: matching(/^RLIMIT_[A-Z]+$/, 'rlimit type') }, [
        'type',
        'soft',
        'hard',
      ]),
    ),
    execCPUAffinity: object({ initial: cpuList, final: cpuList }),
  },
  ['cwd'],
);

const config = object(
  {
    ociVersion: str,
    hooks: object({
      prestart: hooks,
      createRuntime: hooks,
      createContainer: hooks,
      startContainer: hooks,
      poststart: hooks,
      poststop: hooks,
    }),
    annotations: stringMap,
    hostname: str,
    domainname: str,
    mounts: arrayOf(mount),
    root: object({ path: str, readonly: bool }, ['path']),
    process,
    linux,
    solaris,
    windows,
    vm,
    zos,
    freebsd,
  },
  ['ociVersion'],
);

/** Validate a parsed config.json; `name` is how messages name the document. */
export function validateSpec(doc: unknown, name = 'config.json'): Spec {
  config(doc, new At(name));
  return doc as Spec;
}

/** Parse and validate config.json text; a syntax error is reported like any other. */
export function parseSpec(text: string, name = 'config.json'): Spec {
  return validateSpec(parseJson(text, name), name);
}

export function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BerthError('InvalidArgument', `${name}: not valid JSON: ${(err as Error).message}`);
  }
}
