// Throughput through a published port: berth beside docker, each with a private daemon
// (the same daemons, bridges and cleanup as bench/network-run.ts, whose header says how the
// host is left as it was found).
//
// Each tool runs one container on its default bridge:
//   run -d -p 127.0.0.1::5000 busybox:bench  nc -ll -p 5000 -e sh -c '<serve>'
// busybox's nc (Debian's busybox-static has the small nc: -l, -ll, -p, -e, -w; no -q or -N)
// accepts connections for ever (-ll) and runs the script for each, with the connection as
// its stdin and stdout. The script reads one line, then:
//   "sink"       dd of=/dev/null bs=1M iflag=fullblock, its "F+P records in" report sent
//                back on the connection once dd has read end-of-stream;
//   "source N"   dd if=/dev/zero bs=1M count=N iflag=count_bytes, then the connection closes.
// The host port is random (`-p 127.0.0.1::5000`) and read back with `port CTR 5000/tcp`
// (inspect's NetworkSettings.Ports when `port` fails); the container's address comes from
// inspect.
//
// The client is this node process (net.connect, 1 MiB writes, the same code for every
// path). BENCH_BYTES (default 1 GiB, rounded up to whole MiB) goes each way:
// - upload (host -> container): timed from just before connect until the container's dd
//   report has arrived and the connection is closed. The host half-closes after its last
//   write; dd reports only after reading end-of-stream, so every byte has been read by the
//   process in the container before the clock stops, and the report ("1024+0 records in"
//   for 1 GiB: full 1 MiB blocks, no partial one) proves the count.
// - download (container -> host): timed from just before connect until end-of-stream,
//   after the host has counted every byte (the count is checked). The host sends only the
//   command line and does not half-close, as an HTTP client would not; the upload has to
//   half-close (that is how the sink learns the end), which a proxy must pass on.
// Each over two paths: 127.0.0.1:<host port> (the published port, as a user reaches it;
// with docker that is docker-proxy, the userland proxy, since DNAT does not apply to
// connections to 127.0.0.1 without route_localnet) and <container ip>:5000 directly
// over the bridge (no port mapping: the ceiling for that tool's network path with this
// client and this sink). BENCH_ROUNDS (default 3) rounds; in each round every (tool, path,
// direction) runs once, the first one rotating. Before the timed rounds each path gets an
// untimed probe (a zero-byte upload that must be answered with "0+0 records in", which also
// tells a listening proxy from a reachable server) and one untimed warm-up transfer.
// Printed: MB/s (10^6 bytes/s) per round and the median, berth/docker (above 1: berth is
// faster) per path and direction, each tool's published/direct (its share of its own
// ceiling), and which process holds the host port (docker's is docker-proxy, which relays
// every connection; berthd holds its ports itself while its DNAT rules carry the traffic).
//
//   node --import tsx bench/network-throughput.ts
//   env: BENCH_BYTES (default 1073741824), BENCH_ROUNDS (default 3), BENCH_TOOLS (default
//        berth,docker; `docker` alone measures docker while berth's ports are not there yet)
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { checked, count, table } from './cli-bench.ts';
import { median } from './harness.ts';
import { IMAGE, interrupted, ratio, runBench, type Tool } from './network-run.ts';
import { cmdlineOf, commOf } from './proc.ts';

const MIB = 1024 * 1024;
const BYTES = Math.ceil(count('BENCH_BYTES', 1024 * MIB) / MIB) * MIB;
const ROUNDS = count('BENCH_ROUNDS', 3);
const PORT = 5000;
/** A connection that moves no byte for this long has stalled. */
const IDLE_TIMEOUT_MS = 30_000;

const SERVE = [
  'read cmd n',
  'case "$cmd" in',
  'sink) exec /bin/busybox dd of=/dev/null bs=1048576 iflag=fullblock 2>&1 ;;',
  'source) exec /bin/busybox dd if=/dev/zero bs=1048576 count="$n" iflag=count_bytes 2>/dev/null ;;',
  'esac',
].join('\n');

type Direction = 'upload' | 'download';
type Path = 'published' | 'direct';

interface Endpoint {
  readonly host: string;
  readonly port: number;
}

interface Server {
  readonly tool: Tool;
  readonly id: string;
  readonly paths: Record<Path, Endpoint>;
  /** What listens on the published host port, for the printout. */
  readonly listener: string;
}

// ---- the client ------------------------------------------------------------------------------

/** One transfer of `bytes` each way; resolves with its seconds, rejects when a byte is missing. */
function transfer(to: Endpoint, direction: Direction, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let reply = '';
    const started = performance.now();
    // Reads land in one reused 1 MiB buffer: no allocation per chunk on the receiving side.
    const socket = connect({
      host: to.host,
      port: to.port,
      onread: {
        buffer: Buffer.allocUnsafe(MIB),
        callback: (n: number, buf: Uint8Array) => {
          received += n;
          if (direction === 'upload' && reply.length < 4096)
            reply += Buffer.from(buf.buffer, buf.byteOffset, n).toString('latin1');
          return true;
        },
      },
    });
    socket.setTimeout(IDLE_TIMEOUT_MS, () =>
      socket.destroy(new Error(`no progress for ${IDLE_TIMEOUT_MS / 1000} s`)),
    );
    socket.on('error', (err) => reject(new Error(`${to.host}:${to.port} ${direction}: ${err.message}`)));
    socket.on('close', (hadError) => {
      if (hadError) return;
      const seconds = (performance.now() - started) / 1000;
      if (direction === 'download') {
        if (received === bytes) resolve(seconds);
        else reject(new Error(`${to.host}:${to.port} download: ${received} of ${bytes} bytes arrived`));
        return;
      }
      const blocks = bytes / MIB;
      const m = reply.match(/^(\d+)\+(\d+) records in$/m);
      if (m && Number(m[1]) === blocks && Number(m[2]) === 0) resolve(seconds);
      else
        reject(
          new Error(
            `${to.host}:${to.port} upload: the container did not confirm ${blocks}+0 blocks of 1 MiB; it said ${JSON.stringify(reply.trim()) || 'nothing'}`,
          ),
        );
    });
    socket.once('connect', () => {
      // The download keeps its sending side open, as an HTTP client does; it closes after end-of-stream.
      if (direction === 'download') {
        socket.write(`source ${bytes}\n`);
        return;
      }
      socket.write('sink\n');
      const block = Buffer.alloc(MIB, 0x5a);
      let sent = 0;
      const pump = () => {
        while (sent < bytes) {
          sent += MIB;
          if (!socket.write(block)) {
            socket.once('drain', pump);
            return;
          }
        }
        socket.end();
      };
      pump();
    });
  });
}

/** Until the server answers a zero-byte upload: a port a proxy holds open answers nothing. */
async function probe(to: Endpoint, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline && !interrupted()) {
    try {
      await transfer(to, 'upload', 0);
      return;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${what} did not answer within 30 s: ${last}`);
}

// ---- the server container -------------------------------------------------------------------

interface Inspected {
  NetworkSettings?: {
    IPAddress?: string;
    Networks?: Record<string, { IPAddress?: string }>;
    Ports?: Record<string, { HostIp?: string; HostPort?: string }[] | null>;
  };
}

/** The published host port: `port CTR 5000/tcp` ("127.0.0.1:49153"), else inspect's Ports. */
async function hostPort(tool: Tool, id: string, inspected: Inspected): Promise<number> {
  const r = await tool.cli(['port', id, `${PORT}/tcp`]);
  const m = r.code === 0 ? r.stdout.match(/^127\.0\.0\.1:(\d+)\s*$/m) : null;
  if (m) return Number(m[1]);
  const binding = inspected.NetworkSettings?.Ports?.[`${PORT}/tcp`]?.find((b) => b.HostIp === '127.0.0.1');
  if (binding?.HostPort) {
    console.log(
      `   ${tool.name} port ${id.slice(0, 12)} ${PORT}/tcp gave no 127.0.0.1 binding (exit ${r.code}: ${(r.stderr || r.stdout).trim()}); using inspect`,
    );
    return Number(binding.HostPort);
  }
  throw new Error(
    `${tool.name}: no 127.0.0.1 binding of ${PORT}/tcp: \`port\` said ${JSON.stringify((r.stderr || r.stdout).trim())}, inspect said ${JSON.stringify(inspected.NetworkSettings?.Ports ?? null)}`,
  );
}

/** The process listening on 127.0.0.1:port in this (the host's) network namespace, if any. */
function listenerOn(port: number): string {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local address, state 0A = LISTEN, inode; an any-address listener also takes 127.0.0.1.
      const local = f[1] ?? '';
      const anyAddr =
        local === `00000000:${hex.slice(9)}` ||
        local.endsWith(`00000000000000000000000000000000:${hex.slice(9)}`);
      if ((local === hex || anyAddr) && f[3] === '0A') inodes.add(f[9]);
    }
  }
  if (!inodes.size) return 'no listener on the host (DNAT alone)';
  for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${p}/fd/${fd}`);
        const m = target.match(/^socket:\[(\d+)\]$/);
        if (m && inodes.has(m[1]))
          return `${commOf(Number(p))} (pid ${p}: ${cmdlineOf(Number(p)).trim().slice(0, 160)})`;
      } catch {
        // The descriptor closed while we looked.
      }
    }
  }
  return 'a listener whose process was not found';
}

async function startServer(tool: Tool): Promise<Server> {
  const id = checked(
    `${tool.name} run -d -p 127.0.0.1::${PORT}`,
    await tool.cli([
      'run',
      '-d',
      '-p',
      `127.0.0.1::${PORT}`,
      IMAGE,
      '/bin/busybox',
      'nc',
      '-ll',
      '-p',
      String(PORT),
      '-e',
      '/bin/busybox',
      'sh',
      '-c',
      SERVE,
    ]),
  )
    .trim()
    .split('\n')
    .pop()!;
  const inspected = (
    JSON.parse(checked(`${tool.name} inspect`, await tool.cli(['inspect', id]))) as Inspected[]
  )[0];
  const settings = inspected.NetworkSettings;
  const ip =
    settings?.IPAddress || Object.values(settings?.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
  if (!ip) throw new Error(`${tool.name} inspect ${id}: no IPAddress in NetworkSettings`);
  if (!ip.startsWith(tool.subnetPrefix))
    console.log(
      `   ${tool.name}: the container's address ${ip} is not on the default bridge's ${tool.subnetPrefix}0/24`,
    );
  const port = await hostPort(tool, id, inspected);
  const paths: Record<Path, Endpoint> = {
    published: { host: '127.0.0.1', port },
    direct: { host: ip, port: PORT },
  };
  await probe(paths.direct, `${tool.name}'s server at ${ip}:${PORT}`);
  await probe(paths.published, `${tool.name}'s published port 127.0.0.1:${port}`);
  return { tool, id, paths, listener: listenerOn(port) };
}

// ---- measuring and printing ---------------------------------------------------------------------

interface Case {
  readonly server: Server;
  readonly path: Path;
  readonly direction: Direction;
  readonly key: string;
}

const mbps = (seconds: number) => BYTES / 1e6 / seconds;

async function measure(servers: Server[]): Promise<{ speeds: Map<string, number[]>; ok: boolean }> {
  const cases: Case[] = servers.flatMap((server) =>
    (['published', 'direct'] as const).flatMap((path) =>
      (['upload', 'download'] as const).map((direction) => ({
        server,
        path,
        direction,
        key: `${server.tool.name}/${path}/${direction}`,
      })),
    ),
  );
  const speeds = new Map<string, number[]>(cases.map((c) => [c.key, []]));
  let ok = true;
  let live = [...cases];
  const drop = (c: Case, err: Error) => {
    if (interrupted()) return;
    ok = false;
    console.log(`   ${c.key} dropped: ${err.message}`);
    live = live.filter((x) => x !== c);
  };
  const once = (c: Case) => transfer(c.server.paths[c.path], c.direction, BYTES);
  for (const c of cases) {
    if (interrupted()) break;
    await once(c).catch((err: Error) => drop(c, err));
  }
  for (let round = 0; round < ROUNDS && !interrupted() && live.length; round++) {
    const order = live.map((_, k) => live[(round * 2 + k) % live.length]);
    const line: string[] = [];
    for (const c of order) {
      if (interrupted() || !live.includes(c)) continue;
      await once(c).then(
        (s) => {
          speeds.get(c.key)!.push(mbps(s));
          line.push(`${c.key} ${mbps(s).toFixed(0)}`);
        },
        (err: Error) => drop(c, err),
      );
    }
    console.log(`   round ${round + 1}/${ROUNDS} (MB/s): ${line.join(', ')}`);
  }
  return { speeds, ok };
}

function printSpeeds(servers: Server[], speeds: Map<string, number[]>): void {
  const gib = BYTES / (1024 * MIB);
  console.log(
    `\n== ${Number.isInteger(gib) ? `${gib} GiB` : `${BYTES / MIB} MiB`} per transfer, MB/s (10^6 bytes/s), ${ROUNDS} rounds, median ==`,
  );
  const med = (key: string) => median(speeds.get(key));
  const rows: string[][] = [];
  for (const s of servers) {
    for (const path of ['published', 'direct'] as const) {
      for (const direction of ['upload', 'download'] as const) {
        const key = `${s.tool.name}/${path}/${direction}`;
        const xs = speeds.get(key) ?? [];
        const to = s.paths[path];
        rows.push([
          s.tool.name,
          path === 'published' ? `published ${to.host}:${to.port}` : `direct ${to.host}:${to.port}`,
          direction === 'upload' ? 'host -> container' : 'container -> host',
          xs.length ? med(key)!.toFixed(0) : '—',
          xs.map((x) => x.toFixed(0)).join(' ') || '—',
        ]);
      }
    }
  }
  table(['tool', 'path', 'direction', 'MB/s', 'rounds MB/s'], rows);
  console.log('');
  for (const path of ['published', 'direct'] as const) {
    for (const direction of ['upload', 'download'] as const) {
      const b = med(`berth/${path}/${direction}`);
      const d = med(`docker/${path}/${direction}`);
      if (b === undefined || d === undefined) continue;
      console.log(
        `berth/docker, ${path}, ${direction === 'upload' ? 'host -> container' : 'container -> host'}: ${ratio(b, d)}  (above 1: berth is faster)`,
      );
    }
  }
  for (const s of servers) {
    for (const direction of ['upload', 'download'] as const) {
      const p = med(`${s.tool.name}/published/${direction}`);
      const c = med(`${s.tool.name}/direct/${direction}`);
      if (p === undefined || c === undefined) continue;
      console.log(
        `${s.tool.name}: published / direct, ${direction === 'upload' ? 'host -> container' : 'container -> host'}: ${((p / c) * 100).toFixed(0)}% of its ceiling`,
      );
    }
  }
  for (const s of servers)
    console.log(`${s.tool.name}: 127.0.0.1:${s.paths.published.port} is served by ${s.listener}`);
  console.log(
    'each transfer is timed from just before connect to the last byte: for uploads, until the container has read end-of-stream and confirmed the block count.',
  );
}

await runBench('network: throughput through a published port, berth / docker', async ({ tools }) => {
  console.log(
    `   ${BYTES} bytes each way per transfer, ${ROUNDS} rounds; client: node ${process.version} in this process; server: busybox nc -ll + dd in the container`,
  );
  const servers: Server[] = [];
  let ok = true;
  for (const t of tools) {
    if (interrupted()) return ok;
    try {
      const s = await startServer(t);
      servers.push(s);
      console.log(
        `   ${t.name}: container ${s.id.slice(0, 12)} at ${s.paths.direct.host}, published on 127.0.0.1:${s.paths.published.port} (${s.listener})`,
      );
    } catch (err) {
      if (interrupted()) return ok;
      ok = false;
      console.log(`   ${t.name}: FAILED to start the server: ${(err as Error).message}`);
    }
  }
  if (!servers.length) return false;
  const measured = await measure(servers);
  if (!interrupted()) printSpeeds(servers, measured.speeds);
  return ok && measured.ok;
});
