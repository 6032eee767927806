import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { refused } from '../../test/helpers/errors.ts';
import { type HeldPort, holdPort } from './port-reservations.ts';

const LOCALHOST = '127.0.0.1';
/** Fails a test that would otherwise wait forever; never an assertion on time. */
const GIVE_UP_MS = 15_000;

function listen(port: number, host = LOCALHOST): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ port, host, exclusive: true }, () => resolve(s));
  });
}

const closeServer = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

function bindUdp(port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', (err) => {
      s.close();
      reject(err);
    });
    s.bind({ port, address: LOCALHOST, exclusive: true }, () => resolve(s));
  });
}

const closeUdp = (s: UdpSocket) => new Promise<void>((resolve) => s.close(() => resolve()));

/** Whether a TCP server can listen on the port now (it is let go at once). */
async function tcpFree(port: number): Promise<boolean> {
  try {
    await closeServer(await listen(port));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return false;
    throw err;
  }
}

/** A server holding some free port, and the port after it, checked free. */
async function takenThenFree(): Promise<{ blocker: Server; port: number }> {
  for (;;) {
    const blocker = await listen(0);
    const port = (blocker.address() as { port: number }).port;
    if (port < 65535 && (await tcpFree(port + 1))) return { blocker, port };
    await closeServer(blocker);
  }
}

/** Writes `text`, half-closes, reads everything back. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, LOCALHOST);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of reply from ${LOCALHOST}:${port}`));
    }, GIVE_UP_MS);
    socket.on('connect', () => socket.end(text));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString());
    });
  });
}

describe('holdPort', () => {
  const held: HeldPort[] = [];
  const servers: Server[] = [];
  const hold = async (...args: Parameters<typeof holdPort>) => {
    const h = await holdPort(...args);
    held.push(h);
    return h;
  };

  after(async () => {
    for (const h of held) h.close();
    await Promise.all(servers.map(closeServer));
  });

  it('holds a free port and reports it', async () => {
    const probe = await listen(0);
    const port = (probe.address() as { port: number }).port;
    await closeServer(probe);
    const h = await hold({ protocol: 'tcp', hostIp: LOCALHOST, hostPort: String(port) });
    assert.equal(h.protocol, 'tcp');
    assert.equal(h.hostIp, LOCALHOST);
    assert.equal(h.hostPort, port);
    assert.equal(await tcpFree(port), false, 'the port is held');
  });

  it('an empty or zero host port gets a port the kernel picked, and holds it', async () => {
    for (const hostPort of ['', '0']) {
      const h = await hold({ protocol: 'tcp', hostIp: LOCALHOST, hostPort });
      assert.ok(h.hostPort > 0 && h.hostPort <= 65535, `port ${h.hostPort}`);
      assert.equal(await tcpFree(h.hostPort), false);
    }
  });

  it('no host IP: every address (0.0.0.0)', async () => {
    const h = await hold({ protocol: 'tcp', hostIp: '', hostPort: '' });
    assert.equal(h.hostIp, '0.0.0.0');
    assert.ok(h.hostPort > 0);
    assert.equal(await tcpFree(h.hostPort), false, 'held on 127.0.0.1 too');
  });

  it("a taken port is Docker's Conflict, naming the address and port", async () => {
    const blocker = await listen(0);
    servers.push(blocker);
    const port = (blocker.address() as { port: number }).port;
    await assert.rejects(
      holdPort({ protocol: 'tcp', hostIp: LOCALHOST, hostPort: String(port) }),
      refused('Conflict', `Bind for ${LOCALHOST}:${port} failed: port is already allocated`),
    );
    await assert.rejects(
      holdPort({ protocol: 'tcp', hostIp: LOCALHOST, hostPort: `${port}-${port}` }),
      refused('Conflict', `${LOCALHOST}:${port}-${port}`),
    );
  });

  it('a range takes its first free port, past a taken one', async () => {
    const { blocker, port } = await takenThenFree();
    servers.push(blocker);
    const h = await hold({ protocol: 'tcp', hostIp: LOCALHOST, hostPort: `${port}-${port + 1}` });
    assert.equal(h.hostPort, port + 1);
  });

  it('holds UDP ports, and a taken UDP port is a Conflict', async () => {
    const h = await hold({ protocol: 'udp', hostIp: LOCALHOST, hostPort: '' });
    assert.equal(h.protocol, 'udp');
    assert.ok(h.hostPort > 0);
    await assert.rejects(bindUdp(h.hostPort), /EADDRINUSE/);
    await assert.rejects(
      holdPort({ protocol: 'udp', hostIp: LOCALHOST, hostPort: String(h.hostPort) }),
      refused('Conflict', `${LOCALHOST}:${h.hostPort}`),
    );
    held.splice(held.indexOf(h), 1);
    h.close();
    await closeUdp(await bindUdp(h.hostPort)); // free again
  });

  it('proxies a connection that reaches the held TCP port to its target', async () => {
    const echo = createServer((c) => c.pipe(c));
    await new Promise<void>((resolve) => echo.listen(0, LOCALHOST, resolve));
    servers.push(echo);
    const h = await hold({ protocol: 'tcp', hostIp: LOCALHOST, hostPort: '' });
    h.target = { ip: LOCALHOST, port: (echo.address() as { port: number }).port };
    assert.equal(await exchange(h.hostPort, 'hello through the proxy'), 'hello through the proxy');
  });

  it('closes a connection at once when the port has no target yet, or the target does not answer', async () => {
    const h = await hold({ protocol: 'tcp', hostIp: LOCALHOST, hostPort: '' });
    assert.equal(await exchange(h.hostPort, 'anyone?'), '');
    const probe = await listen(0);
    const dead = (probe.address() as { port: number }).port;
    await closeServer(probe);
    h.target = { ip: LOCALHOST, port: dead };
    assert.equal(await exchange(h.hostPort, 'anyone?'), '');
  });

  it('close() frees the port', async () => {
    const tcp = await holdPort({ protocol: 'tcp', hostIp: LOCALHOST, hostPort: '' });
    assert.equal(await tcpFree(tcp.hostPort), false);
    tcp.close();
    assert.equal(await tcpFree(tcp.hostPort), true);
    const again = await hold({ protocol: 'tcp', hostIp: LOCALHOST, hostPort: String(tcp.hostPort) });
    assert.equal(again.hostPort, tcp.hostPort);
  });

  it('refuses bad host ports, sctp, and an address that is not this host', async () => {
    for (const hostPort of ['abc', '80-', '-80', '10-5', '65536', '0-10', '1.5'])
      await assert.rejects(
        holdPort({ protocol: 'tcp', hostIp: LOCALHOST, hostPort }),
        refused('InvalidArgument', `invalid host port "${hostPort}"`),
        hostPort,
      );
    await assert.rejects(
      holdPort({ protocol: 'sctp', hostIp: LOCALHOST, hostPort: '' }),
      refused('NotImplemented', 'sctp'),
    );
    // TEST-NET-1: no host has it
    await assert.rejects(
      holdPort({ protocol: 'tcp', hostIp: '192.0.2.1', hostPort: '' }),
      refused('InvalidArgument', 'cannot publish on 192.0.2.1'),
    );
  });
});
