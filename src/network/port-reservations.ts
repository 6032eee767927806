// Published host ports, held by the daemon. The kernel's DNAT (firewall.ts) carries the
// traffic, but DNAT alone would silently steal a port another program listens on, and
// would give no error when two containers ask for one port. So, as Docker's proxy does,
// berthd binds every published port: a taken port fails the start with Docker's
// message, a random one (`-p 80`) is one the kernel picked, and the binding keeps it.
// Connections that reach the socket anyway (DNAT misses none on IPv4; the socket is
// bound to IPv4 only) are proxied to the container.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { BerthError, conflict } from '../util/errors.ts';

export interface PortRequest {
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIp: string;
  /** A range `7000-7010` (first free), one port, or empty/0 for any free port. */
  hostPort: string;
}

export interface HeldPort {
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIp: string;
  hostPort: number;
  /** Where a connection that reaches the socket goes. */
  target?: { ip: string; port: number };
  close(): void;
}

function parseHostPorts(text: string): [number, number] {
  if (text === '' || text === '0') return [0, 0];
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const lo = m ? Number(m[1]) : Number.NaN;
  const hi = m?.[2] ? Number(m[2]) : lo;
  if (!m || lo < 1 || hi > 65535 || hi < lo)
    throw new BerthError('InvalidArgument', `invalid host port "${text}"`);
  return [lo, hi];
}

function listenTcp(
  ip: string,
  port: number,
  held: { target?: { ip: string; port: number } },
): Promise<Server> {
  return new Promise((resolve, reject) => {
    // half-open both ways: a client that ends its side still gets the container's answer
    const server = createServer({ allowHalfOpen: true }, (client) => {
      const t = held.target;
      if (!t) return client.destroy();
      const upstream = connect({ port: t.port, host: t.ip, allowHalfOpen: true });
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop);
      upstream.on('error', drop);
    });
    server.once('error', reject);
    server.listen({ host: ip, port, exclusive: true }, () => {
      server.off('error', reject);
      server.unref();
      resolve(server);
    });
  });
}

function bindUdp(ip: string, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: 'udp4' });
    socket.once('error', reject);
    socket.bind({ address: ip, port, exclusive: true }, () => {
      socket.off('error', reject);
      socket.unref();
      resolve(socket);
    });
  });
}

async function holdOne(protocol: PortRequest['protocol'], ip: string, port: number): Promise<HeldPort> {
  if (protocol === 'sctp')
    throw new BerthError('NotImplemented', 'publishing sctp ports is not supported by berth');
  const held: HeldPort = { protocol, hostIp: ip, hostPort: port, close: () => {} };
  if (protocol === 'tcp') {
    const server = await listenTcp(ip, port, held);
    held.hostPort = (server.address() as { port: number }).port;
    held.close = () => server.close();
  } else {
    const socket = await bindUdp(ip, port);
    held.hostPort = socket.address().port;
    held.close = () => socket.close();
  }
  return held;
}

/** Bind one published port; Docker's error when it is taken. */
export async function holdPort(req: PortRequest): Promise<HeldPort> {
  const ip = req.hostIp || '0.0.0.0';
  const [lo, hi] = parseHostPorts(req.hostPort);
  let last: unknown;
  for (let port = lo; port <= hi; port++) {
    try {
      return await holdOne(req.protocol, ip, port);
    } catch (err) {
      last = err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE') break;
    }
  }
  const code = (last as NodeJS.ErrnoException)?.code;
  const where = `${ip}:${req.hostPort || 0}`;
  if (code === 'EADDRINUSE')
    throw conflict(
      `Bind for ${where} failed: port is already allocated; publish another host port or stop what uses it`,
    );
  if (code === 'EADDRNOTAVAIL')
    throw new BerthError('InvalidArgument', `cannot publish on ${ip}: it is not an address of this host`);
  if (last instanceof BerthError) throw last;
  throw new BerthError('Internal', `binding ${req.protocol} ${where}: ${(last as Error)?.message}`);
}
