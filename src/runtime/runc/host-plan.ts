// The launch plan of a command on the host, not in a container: berth-native runs an OCI
// runtime command (`runc run`, `runc exec`) under its shim or monitor, which then hold the
// stdio, the log and the exit status exactly as they do for berth's own containers. It
// joins and creates no namespace and has no root, so C touches no mount (a plan without
// root chroots to "/.." of its mount namespace, which on the host is "/"); it keeps the
// caller's capabilities, loads no seccomp filter and joins no cgroup: the runtime it runs
// does all of that for its container.
import type { LaunchPlan } from '../launch/plan.ts';

export interface HostCommandOptions {
  /** A pty becomes the command's stdio (the monitor or shim holds its master). */
  terminal?: boolean;
  /** Default `/`. */
  cwd?: string;
}

/** A plan that execs `args` (args[0] an absolute path, or found on env's PATH) as root on the host. */
export function hostCommandPlan(args: string[], env: string[], opts: HostCommandOptions = {}): LaunchPlan {
  return {
    version: 1,
    namespaces: { create: [], join: [] },
    uidMappings: [],
    gidMappings: [],
    setgroupsDeny: false,
    mounts: [],
    devices: [],
    links: [],
    maskedPaths: [],
    readonlyPaths: [],
    sysctls: [],
    rlimits: [],
    cgroupProcsFiles: [],
    noNewPrivileges: false,
    process: {
      args: [...args],
      env: [...env],
      cwd: opts.cwd ?? '/',
      user: { uid: 0, gid: 0, additionalGids: [] },
      terminal: !!opts.terminal,
    },
  };
}
