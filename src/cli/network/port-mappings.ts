// What `berth port` prints, from a container's NetworkSettings.Ports: every
// published mapping as `80/tcp -> 0.0.0.0:8080`, or for one private port just
// its host addresses; lines in natural order, IPv6 hosts in brackets. An exposed
// port that is not published (a null binding list) has nothing to show.
import { invalidArgument } from '../../util/errors.ts';
import { naturalCompare } from '../commands/volume.ts';

export interface HostBinding {
  readonly HostIp?: string;
  readonly HostPort?: string;
}

/** `NetworkSettings.Ports` of container inspect. */
export type PortMap = Readonly<Record<string, readonly HostBinding[] | null>>;

/** Go's net.JoinHostPort: brackets around an address with a colon. */
export const joinHostPort = (host: string, port: string): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

/** A private port as the user typed it (`80`, `80/udp`) in the map's key form (`80/tcp`); throws on a bad number. */
export function privatePortKey(spec: string): string {
  const slash = spec.indexOf('/');
  const port = slash < 0 ? spec : spec.slice(0, slash);
  const proto = slash < 0 || spec.slice(slash + 1) === '' ? 'tcp' : spec.slice(slash + 1);
  if (!/^\d+$/.test(port) || Number(port) > 65535)
    throw invalidArgument(`invalid port (${port}): want a number from 0 to 65535`);
  return `${port}/${proto}`;
}

/** Every mapping, `PRIVATE/PROTO -> HOST:PORT`, one per binding. */
export function allPortLines(ports: PortMap | null | undefined): string[] {
  const out: string[] = [];
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    for (const b of bindings ?? []) out.push(`${key} -> ${joinHostPort(b.HostIp ?? '', b.HostPort ?? '')}`);
  }
  return out.sort(naturalCompare);
}

/** The host addresses of one private port; undefined when it is not published. */
export function portLinesFor(ports: PortMap | null | undefined, key: string): string[] | undefined {
  const bindings = ports?.[key];
  if (!bindings) return undefined;
  return bindings.map((b) => joinHostPort(b.HostIp ?? '', b.HostPort ?? '')).sort(naturalCompare);
}
