// berth's OCI runtime: spec defaults and checks, cgroups, seccomp, state, the launcher
// of the native core, and the runc-compatible runtime built from them.
export * as cgroups from './cgroups/index.ts';
export * as launch from './launch/index.ts';
export * as runc from './runc/index.ts';
export * as seccomp from './seccomp/index.ts';
export * as spec from './spec/index.ts';
export * as state from './state/index.ts';
