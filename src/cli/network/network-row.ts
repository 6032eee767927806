// A network of the Engine API as `network ls` shows it: Docker's template fields
// (ID cut to 12 characters unless --no-trunc, booleans as "true"/"false", labels
// as k=v sorted by key), its column headers, and the default table.
import { truncateId } from '../commands/image-format.ts';

/** A container attached to a network, in `GET /networks/{id}`. */
export interface NetworkContainerJson {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/** A network of `GET /networks` and `GET /networks/{id}`. */
export interface NetworkJson {
  Name: string;
  Id: string;
  Created?: string;
  Scope?: string;
  Driver: string;
  EnableIPv6?: boolean;
  IPAM?: {
    Driver?: string;
    Options?: Record<string, string> | null;
    Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[] | null;
  };
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  Containers?: Record<string, NetworkContainerJson> | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** Docker's fields of a `network ls` row, in the order `--format json` prints them. */
export interface NetworkRow {
  CreatedAt: string;
  Driver: string;
  ID: string;
  IPv6: string;
  Internal: string;
  Labels: string;
  Name: string;
  Scope: string;
}

export const NETWORK_TABLE = '{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

export const NETWORK_HEADERS = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
};

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/**
 * Go's time.Time.String() of an RFC 3339 time as the daemon sent it, in the zone it
 * was sent in: `2024-05-01 10:11:12.5 +0000 UTC`. Go names the zone "UTC" for Z, the
 * local zone's abbreviation when the offset is the local one at that time, and
 * repeats the offset otherwise. Text that is not such a time is returned as it is.
 */
export function goTimeString(rfc3339: string | undefined): string {
  if (!rfc3339) return '';
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339);
  if (!m) return rfc3339;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  const fraction = frac.replace(/0+$/, '');
  const clock = `${y}-${mo}-${d} ${h}:${mi}:${s}${fraction ? `.${fraction}` : ''}`;
  if (zone === 'Z') return `${clock} +0000 UTC`;
  const sign = zone![0] === '-' ? -1 : 1;
  const offset = sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
  const numeric = `${sign < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}${pad(offset % 60)}`;
  const instant = new Date(rfc3339);
  let name = numeric;
  if (!Number.isNaN(instant.getTime()) && -instant.getTimezoneOffset() === offset) {
    name =
      new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
        .formatToParts(instant)
        .find((p) => p.type === 'timeZoneName')?.value ?? numeric;
  }
  return `${clock} ${numeric} ${name}`;
}

export function labelsText(labels: Readonly<Record<string, string>> | null | undefined): string {
  const l = labels ?? {};
  return Object.keys(l)
    .sort()
    .map((k) => `${k}=${l[k]}`)
    .join(',');
}

export function networkRow(n: NetworkJson, opts: { noTrunc?: boolean } = {}): NetworkRow {
  return {
    CreatedAt: goTimeString(n.Created),
    Driver: n.Driver,
    ID: opts.noTrunc ? n.Id : truncateId(n.Id),
    IPv6: String(n.EnableIPv6 ?? false),
    Internal: String(n.Internal ?? false),
    Labels: labelsText(n.Labels),
    Name: n.Name,
    Scope: n.Scope ?? 'local',
  };
}
