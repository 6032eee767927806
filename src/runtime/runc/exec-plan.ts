// The launch plan of `exec`: the container's process settings with a new process,
// joining the init's namespaces by path and its cgroups. The plan has no root: the
// process lands in the container's own mount namespace, where everything is set up
// already, and berth-native touches no mount. The mount namespace is joined last: after
// it, host paths such as /proc/<pid>/ns/* no longer resolve.
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
  plan.namespaces = { create: [], join: plan.namespaces.join };
  delete plan.root;
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
