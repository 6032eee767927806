// The body of `POST /networks/create` from `network create`'s flags. berth's
// networks are IPv4 bridges: another driver, another IPAM driver or --ipv6 is
// refused here with a message that says so, before anything reaches the daemon.
import { invalidArgument } from '../../util/errors.ts';
import { consolidateIpam, type IpamConfig } from './ipam-config.ts';

export interface NetworkCreateFlags {
  readonly driver?: string;
  readonly subnets?: readonly string[];
  readonly ranges?: readonly string[];
  readonly gateways?: readonly string[];
  readonly auxAddresses?: readonly string[];
  readonly internal?: boolean;
  readonly attachable?: boolean;
  readonly ipv6?: boolean;
  readonly labels?: readonly string[];
  readonly options?: readonly string[];
  readonly ipamDriver?: string;
  readonly ipamOptions?: readonly string[];
}

export interface NetworkCreateRequest {
  Name: string;
  CheckDuplicate: boolean;
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Config: IpamConfig[]; Options: Record<string, string> };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigOnly: boolean;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export const SUPPORTED_DRIVER = 'bridge';

/** `key=value` flags (or a bare `key`, meaning an empty value) into a map; `what` names the flag in errors. */
export function keyValueMap(flags: readonly string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags ?? []) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    if (key.trim() === '') throw invalidArgument(`invalid ${what} '${f}': empty name`);
    out[key] = eq < 0 ? '' : f.slice(eq + 1);
  }
  return out;
}

export function buildNetworkCreateRequest(name: string, f: NetworkCreateFlags): NetworkCreateRequest {
  const driver = f.driver ?? SUPPORTED_DRIVER;
  if (driver !== SUPPORTED_DRIVER)
    throw invalidArgument(
      `network driver "${driver}" is not supported: berth creates only "${SUPPORTED_DRIVER}" networks` +
        ' (the host and none networks are built in)',
    );
  if (f.ipv6)
    throw invalidArgument(
      '--ipv6 is not supported: berth networks are IPv4 only; create the network without it',
    );
  const ipamDriver = f.ipamDriver ?? 'default';
  if (ipamDriver !== 'default')
    throw invalidArgument(`IPAM driver "${ipamDriver}" is not supported: berth has only the "default" one`);
  const auxAddresses = keyValueMap(f.auxAddresses, 'aux-address');
  return {
    Name: name,
    CheckDuplicate: true,
    Driver: driver,
    EnableIPv6: false,
    IPAM: {
      Driver: ipamDriver,
      Config: consolidateIpam({
        subnets: f.subnets ?? [],
        ranges: f.ranges ?? [],
        gateways: f.gateways ?? [],
        auxAddresses,
      }),
      Options: keyValueMap(f.ipamOptions, 'ipam-opt'),
    },
    Internal: f.internal ?? false,
    Attachable: f.attachable ?? false,
    Ingress: false,
    ConfigOnly: false,
    Options: keyValueMap(f.options, 'opt'),
    Labels: keyValueMap(f.labels, 'label'),
  };
}
