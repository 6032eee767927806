// Checks for config.json's sections for other platforms (freebsd, zos, windows, solaris, vm).
// berth runs none of them, but a config.json that carries one is still judged by the schema,
// so that berth accepts exactly what the spec accepts.
import {
  anyObject,
  arrayOf,
  bool,
  type Check,
  int,
  object,
  oneOf,
  str,
  uint8,
  uint16,
  uint32,
  uint64,
} from './checks.ts';

const sharing = oneOf(['disable', 'new', 'inherit'], 'sharing mode');
const sharingNoDisable = oneOf(['new', 'inherit'], 'sharing mode');
const fileMode = int(0, 511);

export const freebsd: Check = object({
  devices: arrayOf(object({ path: str, mode: fileMode })),
  jail: object({
    parent: str,
    host: sharingNoDisable,
    ip4: sharing,
    ip4Addr: arrayOf(str),
    ip6: sharing,
    ip6Addr: arrayOf(str),
    vnet: sharingNoDisable,
    interface: str,
    vnetInterfaces: arrayOf(str),
    sysvmsg: sharing,
    sysvsem: sharing,
    sysvshm: sharing,
    enforceStatfs: uint8,
    allow: object({
      setHostname: bool,
      rawSockets: bool,
      chflags: bool,
      mount: arrayOf(str),
      quotas: bool,
      socketAf: bool,
      mlock: bool,
      reservedPorts: bool,
      suser: bool,
    }),
  }),
});

export const zos: Check = object({
  namespaces: arrayOf(
    object({ type: oneOf(['mount', 'pid', 'uts', 'ipc'], 'namespace type'), path: str }, ['type']),
  ),
});

export const windows: Check = object(
  {
    layerFolders: arrayOf(str, 1),
    devices: arrayOf(object({ id: str, idType: oneOf(['class'], 'device id type') }, ['id', 'idType'])),
    resources: object({
      memory: object({ limit: uint64 }),
      cpu: object({
        count: uint64,
        shares: uint16,
        maximum: uint16,
        affinity: object({ mask: uint64, group: uint32 }),
      }),
      storage: object({ iops: uint64, bps: uint64, sandboxSize: uint64 }),
    }),
    network: object({
      endpointList: arrayOf(str),
      allowUnqualifiedDNSQuery: bool,
      DNSSearchList: arrayOf(str),
      networkSharedContainerName: str,
      networkNamespace: str,
    }),
    credentialSpec: anyObject,
    servicing: bool,
    ignoreFlushesDuringBoot: bool,
    hyperv: object({ utilityVMPath: str }),
  },
  ['layerFolders'],
);

export const solaris: Check = object({
  milestone: str,
  limitpriv: str,
  maxShmMemory: str,
  cappedCPU: object({ ncpus: str }),
  cappedMemory: object({ physical: str, swap: str }),
  anet: arrayOf(
    object({
      linkname: str,
      lowerLink: str,
      allowedAddress: str,
      configureAllowedAddress: str,
      defrouter: str,
      macAddress: str,
      linkProtection: str,
    }),
  ),
});

export const vm: Check = object(
  {
    hypervisor: object({ path: str, parameters: arrayOf(str) }, ['path']),
    kernel: object({ path: str, parameters: arrayOf(str), initrd: str }, ['path']),
    image: object({ path: str, format: oneOf(['raw', 'qcow2', 'vdi', 'vmdk', 'vhd'], 'image format') }, [
      'path',
      'format',
    ]),
    hwConfig: object({
      deviceTree: str,
      vcpus: uint32,
      memory: uint64,
      dtdevs: arrayOf(str),
      iomems: arrayOf(object({ firstGFN: uint64, firstMFN: uint64, nrMFNs: uint64 }, ['firstMFN', 'nrMFNs'])),
      irqs: arrayOf(uint32),
    }),
  },
  ['kernel'],
);
