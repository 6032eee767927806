// Validation of the OCI state document (state-schema.json) and of the runtime features
// document (features-schema.json), as `runc state` and `runc features` print them.
import { At } from '../../oci/validate-fields.ts';
import { arrayOf, bool, type Check, int, matching, object, oneOf, str, stringMap } from './checks.ts';
import { NAMESPACE_TYPES, type OciState } from './types.ts';
import { parseJson } from './validate-config.ts';
import { SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_FLAGS, SECCOMP_OPERATORS } from './validate-linux.ts';

/** The statuses runtime-spec's schema knows; runc also prints `paused`, which it does not. */
export const SPEC_STATUSES = ['creating', 'created', 'running', 'stopped'] as const;

const state = object(
  {
    ociVersion: str,
    id: str,
    status: oneOf(SPEC_STATUSES, 'container status'),
    pid: int(0, Number.MAX_SAFE_INTEGER),
    bundle: str,
    annotations: stringMap,
  },
  ['ociVersion', 'id', 'status', 'bundle'],
);

export function validateState(doc: unknown, name = 'state'): OciState {
  state(doc, new At(name));
  return doc as OciState;
}

export function parseState(text: string, name = 'state'): OciState {
  return validateState(parseJson(text, name), name);
}

const enabled = object({ enabled: bool });
const seccompActions = arrayOf(oneOf(SECCOMP_ACTIONS, 'seccomp action'));
const seccompFlags = arrayOf(oneOf(SECCOMP_FLAGS, 'seccomp flag'));

const features: Check = object(
  {
    ociVersionMin: str,
    ociVersionMax: str,
    hooks: arrayOf(str),
    mountOptions: arrayOf(str),
    annotations: stringMap,
    potentiallyUnsafeConfigAnnotations: arrayOf(str),
    linux: object({
      namespaces: arrayOf(oneOf(NAMESPACE_TYPES, 'namespace type')),
      capabilities: arrayOf(matching(/^CAP_[A-Z_]+$/, 'capability name')),
      cgroup: object({ v1: bool, v2: bool, systemd: bool, systemdUser: bool, rdma: bool }),
      seccomp: object({
        enabled: bool,
        actions: seccompActions,
        operators: arrayOf(oneOf(SECCOMP_OPERATORS, 'seccomp operator')),
        archs: arrayOf(oneOf(SECCOMP_ARCHES, 'seccomp architecture')),
        knownFlags: seccompFlags,
        supportedFlags: seccompFlags,
      }),
      apparmor: enabled,
      selinux: enabled,
      intelRdt: enabled,
      mountExtensions: object({ idmap: enabled }),
      netDevices: enabled,
    }),
  },
  ['ociVersionMin', 'ociVersionMax'],
);

/** The runtime features document (`runc features`). */
export type Features = Record<string, unknown> & { ociVersionMin: string; ociVersionMax: string };

export function validateFeatures(doc: unknown, name = 'features'): Features {
  features(doc, new At(name));
  return doc as Features;
}

export function parseFeatures(text: string, name = 'features'): Features {
  return validateFeatures(parseJson(text, name), name);
}
