export { blkioWeightToIoWeight, sharesToWeight, swapMax } from './apply-v2.ts';
export { DEFAULT_CGROUP_PARENT, resolveCgroupsPath } from './cgroups-path.ts';
export * from './detect.ts';
export { deviceRuleLine } from './device-rules.ts';
export * from './manager.ts';
