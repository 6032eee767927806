// `berth stats [--no-stream] [--no-trunc] [-a] [--format] [CONTAINER...]`: containers'
// resource use, computed from the daemon's stats documents as the docker CLI computes
// it: CPU % from the container's and the machine's CPU time between the document's two
// samples (cpu_stats, precpu_stats), memory without the inactive page cache, network
// and block I/O summed over interfaces and devices. Without --no-stream the table is
// redrawn every half second until interrupted.
import type { IncomingMessage } from 'node:http';
import type { Client } from '../client.ts';
import { isDaemonError, readJsonLines } from '../client.ts';
import { defineCommand } from '../command.ts';
import { formatList, LIST_FORMAT_OPTION } from '../output/format.ts';
import { bytesSize, humanSize } from '../output/units.ts';

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** The part of Docker's stats document the columns are computed from. */
export interface StatsDoc {
  name?: string;
  id?: string;
  pids_stats?: { current?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

/** One table row; the keys in the order `--format json` prints them. */
export interface StatsRow {
  BlockIO: string;
  CPUPerc: string;
  Container: string;
  ID: string;
  MemPerc: string;
  MemUsage: string;
  Name: string;
  NetIO: string;
  PIDs: string;
}

export function cpuPercent(doc: StatsDoc): number {
  const now = doc.cpu_stats ?? {};
  const pre = doc.precpu_stats ?? {};
  const cpuDelta = (now.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const systemDelta = (now.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const cpus = now.online_cpus || now.cpu_usage?.percpu_usage?.length || 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
}

/** Memory in use without the inactive file cache (v1's total_inactive_file, v2's inactive_file). */
export function memoryUsed(mem: NonNullable<StatsDoc['memory_stats']>): number {
  const usage = mem.usage ?? 0;
  const v1 = mem.stats?.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = mem.stats?.inactive_file ?? 0;
  return v2 < usage ? usage - v2 : usage;
}

export function blockIo(doc: StatsDoc): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of doc.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = e.op?.[0]?.toLowerCase();
    if (op === 'r') read += e.value;
    else if (op === 'w') write += e.value;
  }
  return { read, write };
}

export function statsRow(container: string, doc: StatsDoc, noTrunc: boolean): StatsRow {
  const mem = doc.memory_stats ?? {};
  const used = memoryUsed(mem);
  const limit = mem.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(doc.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  const io = blockIo(doc);
  const id = doc.id ?? '';
  const pct = (n: number) => `${n.toFixed(2)}%`;
  return {
    BlockIO: `${humanSize(io.read)} / ${humanSize(io.write)}`,
    CPUPerc: pct(cpuPercent(doc)),
    Container: container,
    ID: noTrunc ? id : id.slice(0, 12),
    MemPerc: pct(limit ? (used / limit) * 100 : 0),
    MemUsage: `${bytesSize(used)} / ${bytesSize(limit)}`,
    Name: doc.name && doc.name.length > 1 ? doc.name.slice(1) : '--',
    NetIO: `${humanSize(rx)} / ${humanSize(tx)}`,
    PIDs: String(doc.pids_stats?.current ?? 0),
  };
}

const DEFAULT_TABLE =
  '{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
const HEADERS = {
  Container: 'CONTAINER',
  ID: 'CONTAINER ID',
  Name: 'NAME',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};
const REDRAW_MS = 500;

async function oneDocument(client: Client, ref: string): Promise<StatsDoc> {
  const res = await client.request('GET', `/containers/${encodeURIComponent(ref)}/stats`, {
    query: { stream: 0 },
  });
  for await (const doc of readJsonLines<StatsDoc>(res)) return doc;
  return {};
}

/** Follow a container's stream, keeping its latest document in `latest`. */
async function follow(client: Client, ref: string, latest: Map<string, StatsDoc>, open: IncomingMessage[]) {
  const res = await client.request('GET', `/containers/${encodeURIComponent(ref)}/stats`, {
    query: { stream: 1 },
  });
  open.push(res);
  for await (const doc of readJsonLines<StatsDoc>(res)) latest.set(ref, doc);
}

export const statsCommand = defineCommand({
  name: 'stats',
  aliases: ['container stats'],
  summary: 'Display a live stream of container(s) resource usage statistics',
  usage: '[OPTIONS] [CONTAINER...]',
  options: {
    all: { type: 'boolean', short: 'a', help: 'Show all containers (default shows just running)' },
    format: LIST_FORMAT_OPTION,
    'no-stream': { type: 'boolean', help: 'Disable streaming stats and only pull the first result' },
    'no-trunc': { type: 'boolean', help: "Don't truncate output" },
  },
  async run(ctx) {
    const o = ctx.options;
    const client = await ctx.client();
    let refs = ctx.args;
    if (!refs.length) {
      const list = await client.get<{ Id: string }[]>('/containers/json', { all: o.all ? 1 : undefined });
      refs = list.map((c) => c.Id);
    }
    const render = (docs: [string, StatsDoc][]) =>
      formatList(
        docs.map(([ref, doc]) => statsRow(ref, doc, !!o['no-trunc'])),
        { format: o.format, defaultTable: DEFAULT_TABLE, headers: HEADERS },
      );
    if (o['no-stream']) {
      const settled = await Promise.allSettled(refs.map((r) => oneDocument(client, r)));
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      ctx.stdout.write(
        render(refs.map((r, i) => [r, (settled[i] as PromiseFulfilledResult<StatsDoc>).value])),
      );
      return 0;
    }
    const latest = new Map<string, StatsDoc>();
    const open: IncomingMessage[] = [];
    const errors: string[] = [];
    const following = refs.map((r) =>
      follow(client, r, latest, open).catch((err) => {
        errors.push(isDaemonError(err) ? `Error response from daemon: ${err.message}` : String(err));
      }),
    );
    const terminal = (process.stdout as { isTTY?: boolean }).isTTY === true;
    let stop: () => void = () => {};
    const interrupted = new Promise<void>((resolve) => {
      stop = resolve;
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    const timer = setInterval(() => {
      if (terminal) ctx.stdout.write('\x1b[2J\x1b[H');
      ctx.stdout.write(render(refs.filter((r) => latest.has(r)).map((r) => [r, latest.get(r)!])));
    }, REDRAW_MS);
    await Promise.race([interrupted, Promise.all(following).then(() => stop())]);
    clearInterval(timer);
    for (const res of open) res.destroy();
    if (errors.length) {
      ctx.stderr.write(`${errors.join('\n')}\n`);
      return 1;
    }
    return 0;
  },
});
