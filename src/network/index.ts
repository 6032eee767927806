export { isValidInterfaceName } from './bridge-device.ts';
export type { NetworkCreateRequest } from './network-create.ts';
export { BRIDGE_NAME_OPTION, MTU_OPTION } from './network-create.ts';
export {
  DEFAULT_BRIDGE_NAME,
  type NetworkJoin,
  NetworkManager,
  type NetworkManagerOptions,
  type Sandbox,
  type SandboxRequest,
} from './network-manager.ts';
export type { EndpointRecord, NetworkRecord, PortMapping, SandboxRecord } from './network-record.ts';
