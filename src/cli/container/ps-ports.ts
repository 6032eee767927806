// The PORTS column of `docker ps`: consecutive container ports that are exposed
// alike (same protocol, same host IP, published on the same number) are
// collapsed into a range (`0.0.0.0:8000-8002->8000-8002/tcp`, `443-444/tcp`);
// a port published on another number is listed alone (`0.0.0.0:8080->80/tcp`),
// after the groups; IPv6 host addresses are bracketed (`[::]:8080->80/tcp`).

/** One entry of a container's `Ports` in `GET /containers/json`. */
export interface ContainerPort {
  readonly IP?: string;
  readonly PrivatePort: number;
  readonly PublicPort?: number;
  readonly Type: string;
}

const hostPort = (ip: string, port: string): string =>
  ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;

function comparePorts(a: ContainerPort, b: ContainerPort): number {
  if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
  const ipA = a.IP ?? '';
  const ipB = b.IP ?? '';
  if (ipA !== ipB) return ipA < ipB ? -1 : 1;
  const pubA = a.PublicPort ?? 0;
  const pubB = b.PublicPort ?? 0;
  if (pubA !== pubB) return pubA - pubB;
  return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
}

interface Group {
  readonly ip: string;
  readonly type: string;
  first: number;
  last: number;
}

function formGroup(g: Group): string {
  const range = g.first === g.last ? String(g.first) : `${g.first}-${g.last}`;
  return g.ip ? `${hostPort(g.ip, range)}->${range}/${g.type}` : `${range}/${g.type}`;
}

export function displayablePorts(ports: readonly ContainerPort[] | null | undefined): string {
  const sorted = [...(ports ?? [])].sort(comparePorts);
  const groups = new Map<string, Group>();
  const closed: string[] = [];
  const hostMappings: string[] = [];
  for (const p of sorted) {
    const ip = p.IP ?? '';
    const current = p.PrivatePort;
    if (ip !== '' && (p.PublicPort ?? 0) !== current) {
      hostMappings.push(`${hostPort(ip, String(p.PublicPort ?? 0))}->${current}/${p.Type}`);
      continue;
    }
    const key = ip ? `${ip}/${p.Type}` : p.Type;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { ip, type: p.Type, first: current, last: current });
    } else if (current === group.last + 1) {
      group.last = current;
    } else {
      closed.push(formGroup(group));
      group.first = group.last = current;
    }
  }
  return [...closed, ...[...groups.values()].map(formGroup), ...hostMappings].join(', ');
}
