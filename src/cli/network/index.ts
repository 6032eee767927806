// The pure parts of the network commands: `network create`'s request, the rows of
// `network ls`, the lines of `berth port`, and the words of `network prune`.
export {
  buildNetworkCreateRequest,
  keyValueMap,
  type NetworkCreateFlags,
  type NetworkCreateRequest,
  SUPPORTED_DRIVER,
} from './create-request.ts';
export { consolidateIpam, type IpamConfig, type IpamFlags, parseCidr } from './ipam-config.ts';
export {
  goTimeString,
  labelsText,
  NETWORK_HEADERS,
  NETWORK_TABLE,
  type NetworkContainerJson,
  type NetworkJson,
  type NetworkRow,
  networkRow,
} from './network-row.ts';
export {
  allPortLines,
  type HostBinding,
  joinHostPort,
  type PortMap,
  portLinesFor,
  privatePortKey,
} from './port-mappings.ts';
export { deletedNetworksText, NETWORK_PRUNE_WARNING, type NetworkPruneReport } from './prune-text.ts';
