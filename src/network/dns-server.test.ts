import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import { isBerthError } from '../util/errors.ts';
import { type DnsDecision, type DnsServer, startDnsServer } from './dns-server.ts';

const LOCALHOST = '127.0.0.1';
const RCODE_FORMERR = 1;
const RCODE_SERVFAIL = 2;
const RCODE_NOTIMP = 4;
const MANY = Array.from({ length: 100 }, (_, i) => `10.0.${i >> 8}.${(i & 0xff) + 1}`);
const KNOWN: Record<string, string[]> = {
  web: ['172.18.0.2'],
  'db.alias': ['172.18.0.3', '172.18.0.4'],
  many: MANY,
  empty: [],
};

/** Fails a test that would otherwise wait forever on a broken server; never an assertion on time. */
const GIVE_UP_MS = 15_000;

let nextId = 1;
function query(name: string, type: dnsPacket.RecordType = 'A', extra: Partial<dnsPacket.Packet> = {}) {
  const id = nextId++;
  const packet: dnsPacket.Packet = {
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    ...extra,
  };
  return { id, bytes: dnsPacket.encode(packet) };
}

function ednsOpt(udpPayloadSize: number, ednsVersion = 0): dnsPacket.OptAnswer {
  return {
    type: 'OPT',
    name: '.',
    udpPayloadSize,
    extendedRcode: 0,
    ednsVersion,
    flags: 0,
    flag_do: false,
    options: [],
  };
}

function rcodeOf(packet: dnsPacket.DecodedPacket): number {
  return (packet.flags ?? 0) & 0xf;
}

function addressesOf(packet: dnsPacket.DecodedPacket): string[] {
  return (packet.answers ?? []).map((a) => {
    assert.equal(a.type, 'A');
    return a.data as string;
  });
}

/** Sends each datagram from one socket, then waits for the reply whose ID is `waitFor`; returns every reply. */
function udpExchange(port: number, datagrams: Buffer[], waitFor: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const replies: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no reply with ID ${waitFor} from port ${port}`));
    }, GIVE_UP_MS);
    socket.on('message', (msg) => {
      replies.push(msg);
      if (msg.length >= 2 && msg.readUInt16BE(0) === waitFor) {
        clearTimeout(timer);
        socket.close();
        resolve(replies);
      }
    });
    socket.connect(port, LOCALHOST, () => {
      for (const d of datagrams) socket.send(d);
    });
  });
}

async function udpQuery(port: number, q: { id: number; bytes: Buffer }): Promise<Buffer> {
  const replies = await udpExchange(port, [q.bytes], q.id);
  return replies[replies.length - 1];
}

function framed(message: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length);
  return Buffer.concat([prefix, message]);
}

/** Writes all messages on one connection at once, reads `expect` length-prefixed replies. */
function tcpExchange(port: number, messages: Buffer[], expect: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: LOCALHOST, port });
    const replies: Buffer[] = [];
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`got ${replies.length} of ${expect} TCP replies from port ${port}`));
    }, GIVE_UP_MS);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('connect', () => socket.write(Buffer.concat(messages.map(framed))));
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        replies.push(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
      }
      if (replies.length >= expect) {
        clearTimeout(timer);
        socket.end();
        resolve(replies);
      }
    });
  });
}

/** A loopback port nothing listens on (bound, read, released). */
async function unusedPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, LOCALHOST, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe('embedded DNS server', () => {
  let front: DnsServer;
  let upstream: DnsServer;
  let failing: DnsServer;
  let silent: DnsServer;
  const lookups: Array<{ name: string; client: string }> = [];
  const errors: unknown[] = [];
  let deadPort = 0;

  before(async () => {
    // Acts as the outside world: every name is 10.9.9.9.
    upstream = await startDnsServer({
      address: LOCALHOST,
      port: 0,
      lookup: () => ({ addresses: ['10.9.9.9'] }),
    });
    // Answers SERVFAIL to everything (its callback throws).
    failing = await startDnsServer({
      address: LOCALHOST,
      port: 0,
      lookup: () => {
        throw new Error('upstream broken on purpose');
      },
      onError: () => {},
    });
    // Never answers: its callback never settles.
    silent = await startDnsServer({
      address: LOCALHOST,
      port: 0,
      lookup: () => new Promise<DnsDecision>(() => {}),
    });
    deadPort = await unusedPort();
    const up = `${LOCALHOST}:${upstream.port}`;
    front = await startDnsServer({
      address: LOCALHOST,
      port: 0,
      ttl: 30,
      forwardTimeoutMs: 300,
      onError: (err) => errors.push(err),
      lookup(name, client) {
        lookups.push({ name, client });
        if (name in KNOWN) return { addresses: KNOWN[name] };
        if (name === 'boom') throw new Error('lookup failed on purpose');
        if (name === 'bad-address') return { addresses: ['not-an-ip'] };
        if (name.endsWith('.ext')) return { upstream: [up] };
        if (name.endsWith('.dead')) return { upstream: [`${LOCALHOST}:${deadPort}`] };
        if (name.endsWith('.silent')) return { upstream: [`${LOCALHOST}:${silent.port}`] };
        if (name.endsWith('.fallback')) {
          return { upstream: [`${LOCALHOST}:${deadPort}`, `${LOCALHOST}:${failing.port}`, up] };
        }
        if (name.endsWith('.self')) return { upstream: [`${LOCALHOST}:${front.port}`] };
        if (name.endsWith('.unreadable')) return { upstream: ['not an address', '10.0.0.1:99999'] };
        return { upstream: [] };
      },
    });
  });

  after(async () => {
    await Promise.all([front, upstream, failing, silent].map((s) => s?.close()));
  });

  describe('names berth knows', () => {
    it('answers A over UDP with the addresses, authoritative, under the same ID and question', async () => {
      const q = query('web');
      const reply = dnsPacket.decode(await udpQuery(front.port, q));
      assert.equal(reply.id, q.id);
      assert.equal(reply.type, 'response');
      assert.equal(rcodeOf(reply), 0);
      assert.ok(reply.flag_aa, 'AA set');
      assert.ok(reply.flag_rd, 'RD copied');
      assert.ok(reply.flag_ra, 'RA set');
      assert.ok(!reply.flag_tc);
      assert.deepEqual(reply.questions, [{ name: 'web', type: 'A', class: 'IN' }]);
      assert.deepEqual(addressesOf(reply), ['172.18.0.2']);
      assert.equal(reply.answers?.[0].name, 'web');
      assert.equal((reply.answers![0] as dnsPacket.StringAnswer).ttl, 30);
      assert.deepEqual(lookups.at(-1), { name: 'web', client: LOCALHOST });
    });

    it('answers several queries on one TCP connection', async () => {
      const a = query('web');
      const b = query('db.alias');
      const c = query('web', 'AAAA');
      const replies = (await tcpExchange(front.port, [a.bytes, b.bytes, c.bytes], 3)).map((r) =>
        dnsPacket.decode(r),
      );
      const byId = new Map(replies.map((r) => [r.id, r]));
      assert.deepEqual(addressesOf(byId.get(a.id)!), ['172.18.0.2']);
      assert.deepEqual(addressesOf(byId.get(b.id)!), ['172.18.0.3', '172.18.0.4']);
      assert.equal(byId.get(c.id)!.answers?.length, 0);
      for (const r of replies) assert.ok(r.flag_aa);
    });

    it('answers AAAA and other types of a known name with an empty NOERROR', async () => {
      for (const type of ['AAAA', 'MX', 'TXT'] as const) {
        const q = query('web', type);
        const reply = dnsPacket.decode(await udpQuery(front.port, q));
        assert.equal(rcodeOf(reply), 0, type);
        assert.ok(reply.flag_aa, type);
        assert.equal(reply.answers?.length, 0, type);
        assert.equal(reply.questions?.[0].type, type);
      }
    });

    it('answers a name that exists with no address with an empty NOERROR', async () => {
      const reply = dnsPacket.decode(await udpQuery(front.port, query('empty')));
      assert.equal(rcodeOf(reply), 0);
      assert.ok(reply.flag_aa);
      assert.equal(reply.answers?.length, 0);
    });

    it('looks names up case-insensitively without the trailing dot, and answers in the asked case', async () => {
      const q = query('WeB.');
      const reply = dnsPacket.decode(await udpQuery(front.port, q));
      assert.deepEqual(addressesOf(reply), ['172.18.0.2']);
      assert.equal(reply.questions?.[0].name, 'WeB');
      assert.equal(reply.answers?.[0].name, 'WeB');
      assert.equal(lookups.at(-1)?.name, 'web');
      const alias = dnsPacket.decode(await udpQuery(front.port, query('DB.Alias')));
      assert.deepEqual(addressesOf(alias), ['172.18.0.3', '172.18.0.4']);
    });

    it('answers SERVFAIL when the lookup throws or gives a non-IPv4 address, and reports it', async () => {
      for (const name of ['boom', 'bad-address']) {
        const before = errors.length;
        const reply = dnsPacket.decode(await udpQuery(front.port, query(name)));
        assert.equal(rcodeOf(reply), RCODE_SERVFAIL, name);
        assert.equal(reply.questions?.[0].name, name);
        assert.equal(errors.length, before + 1, name);
      }
    });
  });

  describe('forwarding', () => {
    it('relays the upstream answer byte for byte under the client ID, over UDP and TCP', async () => {
      const q = query('www.example.ext');
      const direct = await udpQuery(upstream.port, q);
      const viaUdp = await udpQuery(front.port, q);
      assert.deepEqual(viaUdp, direct);
      assert.deepEqual(addressesOf(dnsPacket.decode(viaUdp)), ['10.9.9.9']);
      const t = query('tcp.example.ext');
      const [directTcp] = await tcpExchange(upstream.port, [t.bytes], 1);
      const [viaTcp] = await tcpExchange(front.port, [t.bytes], 1);
      assert.deepEqual(viaTcp, directTcp);
      assert.equal(dnsPacket.decode(viaTcp).id, t.id);
    });

    it('skips upstreams that refuse the connection or answer SERVFAIL', async () => {
      const q = query('x.fallback');
      assert.deepEqual(addressesOf(dnsPacket.decode(await udpQuery(front.port, q))), ['10.9.9.9']);
      const [tcp] = await tcpExchange(front.port, [query('y.fallback').bytes], 1);
      assert.deepEqual(addressesOf(dnsPacket.decode(tcp)), ['10.9.9.9']);
    });

    it('answers SERVFAIL when no upstream answers', async () => {
      for (const name of ['x.dead', 'x.silent', 'nothing.configured', 'x.unreadable']) {
        const q = query(name);
        const reply = dnsPacket.decode(await udpQuery(front.port, q));
        assert.equal(reply.id, q.id, name);
        assert.equal(rcodeOf(reply), RCODE_SERVFAIL, name);
        assert.deepEqual(reply.questions, [{ name, type: 'A', class: 'IN' }], name);
      }
      const [tcp] = await tcpExchange(front.port, [query('y.silent').bytes], 1);
      assert.equal(rcodeOf(dnsPacket.decode(tcp)), RCODE_SERVFAIL);
    });

    it('never forwards to itself', async () => {
      const reply = dnsPacket.decode(await udpQuery(front.port, query('loop.self')));
      assert.equal(rcodeOf(reply), RCODE_SERVFAIL);
      assert.equal(lookups.filter((l) => l.name === 'loop.self').length, 1);
    });
  });

  describe('malformed input', () => {
    it('drops what has no readable header or is a response, and goes on answering', async () => {
      const response = dnsPacket.encode({
        type: 'response',
        id: 4242,
        questions: [{ name: 'web', type: 'A' }],
      });
      const good = query('web');
      const replies = await udpExchange(
        front.port,
        [Buffer.from([1, 2, 3]), Buffer.alloc(0), response, good.bytes],
        good.id,
      );
      assert.deepEqual(
        replies.map((r) => r.readUInt16BE(0)),
        [good.id],
      );
    });

    it('answers FORMERR to an undecodable message, no question, or two questions', async () => {
      const truncated = Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 3, 0x77]);
      const noQuestion = dnsPacket.encode({ type: 'query', id: 0x2222, questions: [] });
      const twoQuestions = dnsPacket.encode({
        type: 'query',
        id: 0x3333,
        questions: [
          { name: 'web', type: 'A' },
          { name: 'db.alias', type: 'A' },
        ],
      });
      for (const [bytes, id] of [
        [truncated, 0x1234],
        [noQuestion, 0x2222],
        [twoQuestions, 0x3333],
      ] as const) {
        const [reply] = await udpExchange(front.port, [bytes], id);
        const decoded = dnsPacket.decode(reply);
        assert.equal(decoded.type, 'response');
        assert.equal(rcodeOf(decoded), RCODE_FORMERR, `ID ${id}`);
        assert.equal(decoded.answers?.length, 0);
      }
      assert.ok(
        dnsPacket.decode((await udpExchange(front.port, [truncated], 0x1234))[0]).flag_rd,
        'RD copied',
      );
    });

    it('answers NOTIMP to opcodes other than QUERY', async () => {
      const status = query('web', 'A', { flags: 2 << 11 });
      const reply = dnsPacket.decode(await udpQuery(front.port, status));
      assert.equal(rcodeOf(reply), RCODE_NOTIMP);
      assert.equal(((reply.flags ?? 0) >> 11) & 0xf, 2, 'opcode copied');
    });

    it('survives random bytes over UDP and TCP', async () => {
      let seed = 7;
      const random = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed;
      };
      const junk = Array.from({ length: 300 }, () => {
        const bytes = Buffer.alloc(random() % 80);
        for (let i = 0; i < bytes.length; i++) bytes[i] = random() & 0xff;
        // Keep the IDs clear of the real query's, so it alone ends the wait.
        if (bytes.length >= 2) bytes.writeUInt16BE(0xff00 | (random() & 0xff), 0);
        return bytes;
      });
      // In batches: a burst of hundreds of datagrams could overflow the socket's receive buffer,
      // and the kernel would drop the good query with the junk.
      for (let i = 0; i < junk.length; i += 25) {
        const good = query('web');
        const replies = await udpExchange(front.port, [...junk.slice(i, i + 25), good.bytes], good.id);
        assert.deepEqual(addressesOf(dnsPacket.decode(replies.at(-1)!)), ['172.18.0.2']);
      }

      const tcpGood = query('web');
      const tcpJunk = Buffer.from('not dns at all, but long enough for a header');
      const tcpReplies = await tcpExchange(front.port, [tcpJunk, tcpGood.bytes], 2);
      const answer = tcpReplies.map((r) => dnsPacket.decode(r)).find((r) => r.id === tcpGood.id);
      assert.deepEqual(addressesOf(answer!), ['172.18.0.2']);
    });
  });

  describe('sizes and EDNS', () => {
    it('truncates a UDP answer to 512 bytes without EDNS, with TC and the answers that fit', async () => {
      const reply = await udpQuery(front.port, query('many'));
      assert.ok(reply.length <= 512, `${reply.length} bytes`);
      const decoded = dnsPacket.decode(reply);
      assert.ok(decoded.flag_tc);
      const got = addressesOf(decoded);
      assert.ok(got.length > 0 && got.length < MANY.length, `${got.length} answers`);
      assert.deepEqual(got, MANY.slice(0, got.length));
    });

    it('takes a larger EDNS size up to 1232 and answers with OPT', async () => {
      const reply = await udpQuery(front.port, query('many', 'A', { additionals: [ednsOpt(4096)] }));
      assert.ok(reply.length > 512 && reply.length <= 1232, `${reply.length} bytes`);
      const decoded = dnsPacket.decode(reply);
      assert.ok(decoded.flag_tc);
      const opt = decoded.additionals?.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer;
      assert.equal(opt.udpPayloadSize, 1232);
      const small = dnsPacket.decode(
        await udpQuery(front.port, query('web', 'A', { additionals: [ednsOpt(1232)] })),
      );
      assert.ok(!small.flag_tc);
      assert.equal(small.additionals?.filter((a) => a.type === 'OPT').length, 1);
    });

    it('sends every answer over TCP', async () => {
      const [reply] = await tcpExchange(front.port, [query('many').bytes], 1);
      const decoded = dnsPacket.decode(reply);
      assert.ok(!decoded.flag_tc);
      assert.deepEqual(addressesOf(decoded), MANY);
    });

    it('answers BADVERS to an EDNS version it does not speak', async () => {
      const reply = dnsPacket.decode(
        await udpQuery(front.port, query('web', 'A', { additionals: [ednsOpt(1232, 1)] })),
      );
      const opt = reply.additionals?.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer;
      assert.equal(opt.extendedRcode, 1);
      assert.equal(rcodeOf(reply), 0);
      assert.equal(reply.answers?.length, 0);
    });
  });

  describe('real resolvers', () => {
    it("serves node's c-ares resolver, which retries truncated answers over TCP", async () => {
      const resolver = new dns.promises.Resolver({ timeout: 5000, tries: 1 });
      resolver.setServers([`${LOCALHOST}:${front.port}`]);
      assert.deepEqual(await resolver.resolve4('Web'), ['172.18.0.2']);
      assert.deepEqual(await resolver.resolve4('many'), MANY);
      assert.deepEqual(await resolver.resolve4('cares.ext'), ['10.9.9.9']);
      await assert.rejects(resolver.resolve6('web'), { code: 'ENODATA' });
      await assert.rejects(resolver.resolve4('x.dead'), { code: 'ESERVFAIL' });
    });

    it('serves busybox nslookup', async (t) => {
      const run = promisify(execFile);
      try {
        await run('busybox', ['true']);
      } catch {
        t.skip('busybox is not installed');
        return;
      }
      const { stdout } = await run('busybox', ['nslookup', 'web', `${LOCALHOST}:${front.port}`], {
        timeout: 20_000,
      });
      assert.match(stdout, /Name:\s+web\s+Address:\s+172\.18\.0\.2/);
      const ext = await run('busybox', ['nslookup', 'a.ext', `${LOCALHOST}:${front.port}`], {
        timeout: 20_000,
      });
      assert.match(ext.stdout, /Address:\s+10\.9\.9\.9/);
    });
  });
});

describe('starting and stopping', () => {
  it('rejects bad options with InvalidArgument', async () => {
    const lookup = () => ({ upstream: [] });
    for (const opts of [
      { address: 'gateway', lookup },
      { address: LOCALHOST, port: 70000, lookup },
      { address: LOCALHOST, port: 0, ttl: -1, lookup },
      { address: LOCALHOST, port: 0, forwardTimeoutMs: 0, lookup },
    ]) {
      await assert.rejects(startDnsServer(opts), (err) => isBerthError(err, 'InvalidArgument'));
    }
  });

  it('fails with Conflict when the UDP or the TCP port is taken, and leaves the other free', async () => {
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, LOCALHOST, resolve));
    const udpPort = taken.address().port;
    await assert.rejects(
      startDnsServer({ address: LOCALHOST, port: udpPort, lookup: () => ({ upstream: [] }) }),
      (err) => isBerthError(err, 'Conflict') && /UDP port/.test(String(err)),
    );
    await new Promise<void>((resolve) => taken.close(() => resolve()));

    const tcpTaken = net.createServer();
    await new Promise<void>((resolve) => tcpTaken.listen(0, LOCALHOST, resolve));
    const tcpPort = (tcpTaken.address() as net.AddressInfo).port;
    await assert.rejects(
      startDnsServer({ address: LOCALHOST, port: tcpPort, lookup: () => ({ upstream: [] }) }),
      (err) => isBerthError(err, 'Conflict') && /TCP port/.test(String(err)),
    );
    await new Promise<void>((resolve) => tcpTaken.close(() => resolve()));
    // The UDP side bound before the TCP failure was released.
    const again = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => again.bind(tcpPort, LOCALHOST, resolve));
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });

  it('close() ends pending forwards and connections, frees the port and leaves no timer', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    let forwarded!: () => void;
    const reachedUpstream = new Promise<void>((resolve) => {
      forwarded = resolve;
    });
    const blackHole = await startDnsServer({
      address: LOCALHOST,
      port: 0,
      lookup: () => {
        forwarded();
        return new Promise<DnsDecision>(() => {});
      },
    });
    const server = await startDnsServer({
      address: LOCALHOST,
      port: 0,
      forwardTimeoutMs: 3_600_000,
      lookup: () => ({ upstream: [`${LOCALHOST}:${blackHole.port}`] }),
    });
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => udp.connect(server.port, LOCALHOST, resolve));
    udp.send(query('pending.example').bytes);
    const tcp = net.connect({ host: LOCALHOST, port: server.port });
    const tcpClosed = new Promise<void>((resolve) => tcp.on('close', () => resolve()));
    tcp.on('error', () => {});
    tcp.write(framed(query('pending.example').bytes));
    await reachedUpstream;

    await server.close();
    await server.close();
    await tcpClosed;
    udp.close();
    await blackHole.close();

    const rebind = await startDnsServer({
      address: LOCALHOST,
      port: server.port,
      lookup: () => ({ upstream: [] }),
    });
    await rebind.close();
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    assert.equal(timersAfter, timersBefore);
  });
});
