// `-p/--publish` and `--expose` as Docker's CLI reads them (go-connections'
// nat.ParsePortSpecs): `80`, `8080:80`, `127.0.0.1:8080:80`, `127.0.0.1::80`,
// `8000-8010:80-90/udp`, `[::1]:80:80`, `7000-7010:80` (a host range for one
// container port: the daemon picks a free one), and the long form
// `published=8080,target=80,protocol=udp`.
import type { PortBinding, PortSet } from '../../engine/container-config.ts';
import { parseGoUint } from './go-values.ts';
import { isIp } from './ip-address.ts';

export interface PublishedPorts {
  readonly exposed: PortSet;
  readonly bindings: Record<string, PortBinding[]>;
}

const VALID_PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/** `80-90` → [80, 90]; `80` → [80, 80]; Go's messages for a bad one. */
export function parsePortRange(ports: string): [number, number] {
  if (ports === '') throw new Error('empty string specified for ports');
  if (!ports.includes('-')) {
    const p = parseGoUint(ports, 16);
    return [p, p];
  }
  const parts = ports.split('-');
  const start = parseGoUint(parts[0]!, 16);
  const end = parseGoUint(parts[1]!, 16);
  if (end < start) throw new Error(`invalid range specified for port: ${ports}`);
  return [start, end];
}

/** `80/udp` → ['udp', '80']; the protocol defaults to tcp. */
function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  if (raw === '' || parts[0] === '') return ['', ''];
  if (parts.length === 1 || parts[1] === '') return ['tcp', parts[0]!];
  return [parts[1]!, parts[0]!];
}

function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  if (parts.length === 1) return ['', '', parts[0]!];
  if (parts.length === 2) return ['', parts[0]!, parts[1]!];
  const n = parts.length;
  return [parts.slice(0, n - 2).join(':'), parts[n - 2]!, parts[n - 1]!];
}

/** The long syntax, `published=8080,target=80,protocol=udp`, in the short one. */
function standardNotation(spec: string): string {
  if (!spec.includes('=')) return spec;
  const params: Record<string, string> = { protocol: 'tcp' };
  for (const param of spec.split(',')) {
    const eq = param.indexOf('=');
    if (eq <= 0) throw new Error(`invalid publish opts format (should be name=value but got '${param}')`);
    params[param.slice(0, eq)] = param.slice(eq + 1);
  }
  return `${params.published ?? ''}:${params.target ?? ''}/${params.protocol}`;
}

interface PortMapping {
  readonly port: string;
  readonly binding: PortBinding;
}

function parsePortSpec(rawPort: string): PortMapping[] {
  const [rawIp, hostPort, containerPart] = splitParts(rawPort);
  const [proto, containerPort] = splitProtoPort(containerPart);
  let ip = rawIp;
  if (ip.startsWith('[')) {
    const m = /^\[([^\]]*)\]$/.exec(ip);
    if (!m) throw new Error(`invalid IP address ${ip}: address ${ip}:: missing ']' in address`);
    ip = m[1]!;
  }
  if (ip !== '' && !isIp(ip)) throw new Error(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new Error(`no port specified: ${rawPort}<empty>`);
  let start: number;
  let end: number;
  try {
    [start, end] = parsePortRange(containerPort);
  } catch {
    throw new Error(`invalid containerPort: ${containerPort}`);
  }
  let hostStart = 0;
  let hostEnd = 0;
  if (hostPort !== '') {
    try {
      [hostStart, hostEnd] = parsePortRange(hostPort);
    } catch {
      throw new Error(`invalid hostPort: ${hostPort}`);
    }
    // A host range for a single container port is the range to pick from.
    if (end - start !== hostEnd - hostStart && end !== start) {
      throw new Error(
        `invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`,
      );
    }
  }
  if (!VALID_PROTOCOLS.has(proto.toLowerCase())) throw new Error(`invalid proto: ${proto}`);
  const count = end - start + 1;
  const out: PortMapping[] = [];
  for (let i = 0; i < count; i++) {
    let hPort = '';
    if (hostPort !== '') {
      hPort = String(hostStart + i);
      if (count === 1 && hostStart !== hostEnd) hPort += `-${hostEnd}`;
    }
    out.push({ port: `${start + i}/${proto.toLowerCase()}`, binding: { HostIp: ip, HostPort: hPort } });
  }
  return out;
}

/** Every `-p` value: the ports to expose and the bindings to publish them with. */
export function parsePublish(specs: readonly string[]): PublishedPorts {
  const exposed: PortSet = {};
  const bindings: Record<string, PortBinding[]> = {};
  for (const spec of specs) {
    for (const { port, binding } of parsePortSpec(standardNotation(spec))) {
      exposed[port] = {};
      bindings[port] = [...(bindings[port] ?? []), binding];
    }
  }
  return { exposed, bindings };
}

/** `--expose 80-82/tcp`: each port of the range, protocol as given. */
export function parseExpose(spec: string): string[] {
  const [proto, port] = splitProtoPort(spec);
  let range: [number, number];
  try {
    range = parsePortRange(port);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`invalid range format for --expose: ${spec}, error: ${reason}`);
  }
  const out: string[] = [];
  for (let p = range[0]; p <= range[1]; p++) out.push(`${p}/${proto}`);
  return out;
}
