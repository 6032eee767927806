// The contents of a container's /etc/hostname, /etc/hosts and /etc/resolv.conf from its
// HostConfig (ExtraHosts, Dns, DnsSearch, DnsOptions), its names and addresses, and the
// host's files. The engine can call this again when the container's address is known.
import type { HostConfig } from '../container-config.ts';
import type { HostFacts } from './host-facts.ts';
import { etcHosts, parseExtraHosts, resolvConf } from './network-files.ts';

export interface EtcFiles {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

export function containerEtcFiles(opts: {
  hostConfig: HostConfig;
  hostname: string;
  domainname?: string;
  /** The container is on the host's network. */
  hostNetwork: boolean;
  /** The container's own addresses (its line in /etc/hosts). */
  addresses?: readonly string[];
  /** What `host-gateway` stands for; 127.0.0.1 (with a warning off the host network) when not given. */
  hostGateway?: string;
  /** berth's DNS server of the container's network, which forwards what it does not know. */
  nameserver?: string;
  host: Pick<HostFacts, 'hosts' | 'resolvConf'>;
  warnings: string[];
}): EtcFiles {
  const hc = opts.hostConfig;
  if (!opts.hostGateway && !opts.hostNetwork && hc.ExtraHosts?.some((h) => h.endsWith(':host-gateway'))) {
    opts.warnings.push(
      'host-gateway stands for 127.0.0.1: the engine gave no gateway address for this network',
    );
  }
  return {
    hostname: opts.hostname,
    hosts: etcHosts({
      ...(opts.hostNetwork ? { hostHosts: opts.host.hosts } : {}),
      extraHosts: parseExtraHosts(hc.ExtraHosts, opts.hostGateway ?? '127.0.0.1'),
      hostname: opts.hostname,
      ...(opts.domainname ? { domainname: opts.domainname } : {}),
      addresses: opts.hostNetwork ? [] : (opts.addresses ?? []),
    }),
    resolvConf: resolvConf({
      hostResolvConf: opts.host.resolvConf,
      hostNetwork: opts.hostNetwork,
      dns: opts.nameserver ? [opts.nameserver] : hc.Dns,
      dnsSearch: hc.DnsSearch,
      dnsOptions: hc.DnsOptions,
    }),
  };
}
