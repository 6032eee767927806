// A container's OCI runtime spec from Docker's create request and the image's config.
export { allCapabilities, capabilitySets, containerCapabilities } from './capabilities.ts';
export type { MountPoint } from './container-mounts.ts';
export {
  type ContainerSpecInput,
  type ContainerSpecResult,
  containerSpec,
  INIT_PATH,
  type NetworkPeer,
} from './container-spec.ts';
export { containerEtcFiles, type EtcFiles } from './etc-files.ts';
export { type HostFacts, hostFacts } from './host-facts.ts';
export { type MergedConfig, mergeConfig, processArgs, processEnv } from './merge-config.ts';
export { type JoinKind, type NamespaceModes, parseNamespaceModes } from './namespaces.ts';
export {
  etcHosts,
  parseExtraHosts,
  readHostHosts,
  readHostResolvConf,
  resolvConf,
  writeNetworkFiles,
} from './network-files.ts';
export { mkdirInRoot, readFileInRoot, statInRoot } from './rootfs-paths.ts';
export { parseGroup, parsePasswd, type ResolvedUser, resolveUser, resolveUserInRootfs } from './user.ts';
export type { VolumeRef, VolumeResolver } from './volumes.ts';
