// The launch plan of `exec`: the container's process settings with a new process,
// joining the init's namespaces by path and its cgroups.
//
// berth-native (plan v1) always sets up a root filesystem, so the process joins the
// container's mount namespace and then unshares a private copy of it, in which the
// container's `/` is bound onto itself and pivoted into: the container's own mount
// table is never touched. The process thus sees the container's files and mounts but
// has a mount namespace of its own (its /proc/self/ns/mnt differs from the init's).
// The mount namespace is joined last: after it, host paths such as /proc/<pid>/ns/*
// no longer resolve.
import { MS } from '../launch/linux-constants.ts';
import type { LaunchPlan, NamespaceType } from '../launch/plan.ts';
import { planFromSpec } from '../spec/plan-from-spec.ts';
import type { Process, Spec } from '../spec/types.ts';
import { raisableAmbient } from './bundle.ts';

const PROC_NS_NAME: Record<NamespaceType, string> = {
  mount: 'mnt',
  network: 'net',
  pid: 'pid',
  uts: 'uts',
  ipc: 'ipc',
  user: 'user',
  cgroup: 'cgroup',
  time: 'time',
};

export interface ExecPlanInput {
  spec: Spec;
  process: Process;
  initPid: number;
  cgroupProcsFiles: string[];
  seccompProgram?: Uint8Array;
}

export function execPlan(input: ExecPlanInput): LaunchPlan {
  const { spec, initPid } = input;
  const linux = spec.linux ?? {};
  const join = (linux.namespaces ?? [])
    .map((ns) => ({ type: ns.type, path: ns.path || `/proc/${initPid}/ns/${PROC_NS_NAME[ns.type]}` }))
    .sort((a, b) => Number(a.type === 'mount') - Number(b.type === 'mount'));
  const process = structuredClone(input.process);
  raisableAmbient(process);
  const execSpec: Spec = {
    ociVersion: spec.ociVersion,
    process,
    root: { path: '/' },
    linux: {
      namespaces: join,
      ...(linux.seccomp ? { seccomp: linux.seccomp } : {}),
    },
  };
  const plan = planFromSpec(execSpec, '/', {
    cgroupProcsFiles: input.cgroupProcsFiles,
    seccompProgram: input.seccompProgram,
  });
  const joinsMount = join.some((j) => j.type === 'mount');
  plan.namespaces = {
    create: joinsMount ? ['mount'] : [],
    join: plan.namespaces.join,
  };
  // `/..` rather than `/`: a lookup of `/` stays on the mount under a bind stacked on the
  // root, while `..` at the root crosses to the top of the stack (the bind pivoted into).
  plan.root = { path: '/..', propagation: MS.SLAVE | MS.REC, readonly: false, pivotRoot: joinsMount };
  plan.mounts = [];
  plan.devices = [];
  plan.links = [];
  plan.maskedPaths = [];
  plan.readonlyPaths = [];
  plan.sysctls = [];
  delete plan.hostname;
  delete plan.domainname;
  return plan;
}
