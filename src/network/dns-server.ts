// The embedded DNS server of a user-defined network: containers on the network
// find each other by container name and network alias through it, and every
// other name is forwarded to upstream resolvers (the host's, or the
// container's --dns servers).
//
// Where it listens: on the network's gateway, the bridge's address in the
// host's namespace (e.g. 172.18.0.1:53, UDP and TCP), and the containers get
// `nameserver <gateway>` in /etc/resolv.conf. Docker instead answers on
// 127.0.0.11 inside each container, by entering the container's network
// namespace to open the socket; a Node process cannot enter another
// namespace (setns needs a single-threaded process), so berthd serves from the
// host side, as podman's aardvark-dns does. A bonus of living in the host's
// namespace: a loopback upstream such as systemd-resolved's 127.0.0.53 is
// reachable, which it is not from inside a container.
//
// What it answers (RFC 1035 for the wire, dns-packet for encoding):
// - a name the callback knows: type A (or ANY) gets the addresses as
//   authoritative A records; any other type gets an authoritative NOERROR with
//   no answers, so a resolver stops there instead of walking search domains.
// - any other name: the query is sent unchanged (with a fresh random ID) to
//   the upstreams in order, over the transport it came on; the first real
//   answer goes back byte for byte under the client's ID. An upstream that
//   times out, cannot be reached, or says SERVFAIL or REFUSED is skipped, as
//   Docker does; when none is left the client gets SERVFAIL.
// - a message it cannot use: FORMERR when its header can be read, otherwise
//   silence. Messages with QR set (responses) are dropped, not answered:
//   answering a response lets two servers bounce packets forever, and a
//   spoofed source would make berthd a reflector. Opcodes other than QUERY
//   get NOTIMP; EDNS versions other than 0 get BADVERS (RFC 6891).
// - UDP answers larger than the client takes (512 bytes, or its EDNS size up
//   to 1232, the DNS flag day 2020 value) keep the answers that fit and set
//   TC, so the client retries over TCP; resolvers that do not retry (older
//   musl) still get usable addresses.
//
// TTL: 60 seconds by default, as aardvark-dns uses. Docker uses 600, but a
// container is often recreated under the same name with a new address, and a
// client that caches (nginx's resolver, dnsmasq, a JVM) would keep the dead
// address for ten minutes; the server is on the same host, so a short TTL is
// cheap.

import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { BerthError, errnoOf, fromErrno, invalidArgument } from '../util/errors.ts';

/** What the server does with a question: answer with these IPv4 addresses, or forward. */
export type DnsDecision =
  /** The name is berth's: A records with these addresses (empty: the name exists, with no A record). */
  | { addresses: string[] }
  /** Not berth's: forward to these servers ("ip", "ip:port", "[ipv6]:port"), in order. */
  | { upstream: string[] };

export interface DnsServerOptions {
  /** The IP address to bind (the network's gateway). */
  address: string;
  /** Defaults to 53; 0 picks a port free for both UDP and TCP. */
  port?: number;
  /** `name` is lower-cased (ASCII, RFC 4343) without the trailing dot; `client` is the asking IP. */
  lookup(name: string, client: string): DnsDecision | Promise<DnsDecision>;
  /** Seconds for the answers berth makes; default 60 (see the header comment). */
  ttl?: number;
  /** How long to wait for one upstream before trying the next; default 4000 ms, as Docker. */
  forwardTimeoutMs?: number;
  /** Told about failures that cost a client its answer (a lookup that threw, a socket error); never throws. */
  onError?(err: unknown): void;
}

export interface DnsServer {
  readonly address: string;
  readonly port: number;
  /** Stops both sockets, drops open TCP connections and abandons pending forwards. */
  close(): Promise<void>;
}

const DEFAULT_PORT = 53;
const DEFAULT_TTL = 60;
const DEFAULT_FORWARD_TIMEOUT_MS = 4000;
/** Plain DNS over UDP (RFC 1035 4.2.1). */
const CLASSIC_UDP_SIZE = 512;
/** What berth advertises and sends at most over UDP with EDNS (DNS flag day 2020). */
const EDNS_UDP_SIZE = 1232;
/** A TCP message's length prefix is 16 bits. */
const TCP_MAX_SIZE = 0xffff;
/** Each forward holds a socket (a file descriptor of berthd's); past this many, SERVFAIL at once. */
const MAX_PENDING_FORWARDS = 1024;
const MAX_TCP_CONNECTIONS = 256;
/** RFC 7766 asks servers to close idle connections after seconds, not minutes. */
const TCP_IDLE_MS = 10_000;
const BIND_ATTEMPTS = 20;

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NOTIMP: 4, REFUSED: 5 } as const;
/** BADVERS is extended RCODE 16: 1 in the OPT record's upper eight bits, 0 in the header. */
const EXTENDED_RCODE_BADVERS = 1;
const OPCODE_QUERY = 0;
const OPCODE_MASK = 0xf << 11;
/** Question types a name's A records answer (dns-packet's RecordType has no "ANY", hence strings). */
const A_TYPES: ReadonlySet<string> = new Set(['A', 'ANY']);

type Transport = 'udp' | 'tcp';

interface Upstream {
  host: string;
  port: number;
  family: 4 | 6;
}

/** Starts the server on `address` (UDP and TCP on one port); rejects when either cannot bind. */
export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const family = net.isIP(opts.address);
  if (family === 0) throw invalidArgument(`DNS server address "${opts.address}" is not an IP address`);
  const port = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw invalidArgument(`DNS server port ${port} is not a port number (0 to 65535)`);
  }
  const ttl = opts.ttl ?? DEFAULT_TTL;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 0x7fffffff) {
    throw invalidArgument(`DNS answer TTL ${ttl} is not a number of seconds (0 to 2147483647)`);
  }
  const forwardTimeoutMs = opts.forwardTimeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS;
  if (!(forwardTimeoutMs > 0) || !Number.isFinite(forwardTimeoutMs)) {
    throw invalidArgument(`DNS forward timeout ${forwardTimeoutMs} ms is not a positive number`);
  }

  const { udp, tcp, port: boundPort } = await bindBoth(opts.address, family === 6 ? 6 : 4, port);
  const responder = new Responder(opts, ttl, forwardTimeoutMs, { host: opts.address, port: boundPort });
  const connections = new Set<net.Socket>();

  udp.on('message', (msg, rinfo) => {
    void responder.respond(msg, rinfo.address, 'udp').then((answer) => {
      if (!answer || responder.closed) return;
      try {
        udp.send(answer, rinfo.port, rinfo.address, (err) => {
          if (err) responder.report(err);
        });
      } catch (err) {
        responder.report(err);
      }
    });
  });
  udp.on('error', (err) => responder.report(err));

  tcp.maxConnections = MAX_TCP_CONNECTIONS;
  tcp.on('connection', (socket) => serveTcp(socket, responder, connections));
  tcp.on('error', (err) => responder.report(err));

  let closing: Promise<void> | undefined;
  return {
    address: opts.address,
    port: boundPort,
    close() {
      closing ??= (async () => {
        responder.close();
        for (const socket of connections) socket.destroy();
        await Promise.all([
          new Promise<void>((resolve) => udp.close(() => resolve())),
          new Promise<void>((resolve) => tcp.close(() => resolve())),
        ]);
      })();
      return closing;
    },
  };
}

/** Reads length-prefixed queries (RFC 1035 4.2.2), several per connection, answered as each is ready. */
function serveTcp(socket: net.Socket, responder: Responder, connections: Set<net.Socket>): void {
  connections.add(socket);
  const client = socket.remoteAddress ?? '';
  let buffered: Buffer = Buffer.alloc(0);
  let inFlight = 0;
  let ended = false;
  const endIfDone = () => {
    if (ended && inFlight === 0) socket.end();
  };
  socket.setNoDelay(true);
  socket.setTimeout(TCP_IDLE_MS);
  // The timer re-arms on the next write, so a connection waiting on a slow forward stays open.
  socket.on('timeout', () => {
    if (inFlight === 0) socket.destroy();
  });
  // Resets by the peer are routine; the connection is simply gone.
  socket.on('error', () => {});
  socket.on('close', () => connections.delete(socket));
  socket.on('end', () => {
    ended = true;
    endIfDone();
  });
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2) {
      const length = buffered.readUInt16BE(0);
      if (buffered.length < 2 + length) break;
      const query = buffered.subarray(2, 2 + length);
      buffered = buffered.subarray(2 + length);
      inFlight++;
      void responder.respond(query, client, 'tcp').then((answer) => {
        inFlight--;
        if (answer && !socket.destroyed && socket.writable) socket.write(framed(answer));
        endIfDone();
      });
    }
  });
}

/** The decisions of the server, shared by its UDP and TCP sides. */
class Responder {
  closed = false;
  private readonly cancels = new Set<() => void>();
  private pendingForwards = 0;

  constructor(
    private readonly opts: DnsServerOptions,
    private readonly ttl: number,
    private readonly forwardTimeoutMs: number,
    private readonly self: { host: string; port: number },
  ) {}

  report(err: unknown): void {
    try {
      this.opts.onError?.(err);
    } catch {
      // A failing error hook must not take the server down.
    }
  }

  close(): void {
    this.closed = true;
    for (const cancel of [...this.cancels]) cancel();
  }

  /** The bytes to send back for `query`, or undefined to stay silent. Never rejects. */
  async respond(query: Buffer, client: string, transport: Transport): Promise<Buffer | undefined> {
    try {
      return await this.answer(query, client, transport);
    } catch (err) {
      this.report(err);
      const header = peekHeader(query);
      if (!header || header.response) return undefined;
      return encodeHeaderOnly(header.id, header.flags, RCODE.SERVFAIL);
    }
  }

  private async answer(query: Buffer, client: string, transport: Transport): Promise<Buffer | undefined> {
    const header = peekHeader(query);
    if (!header || header.response) return undefined;
    let packet: dnsPacket.DecodedPacket;
    try {
      packet = dnsPacket.decode(query);
    } catch {
      return encodeHeaderOnly(header.id, header.flags, RCODE.FORMERR);
    }
    const questions = packet.questions ?? [];
    const opts = (packet.additionals ?? []).filter((rr): rr is dnsPacket.OptAnswer => rr.type === 'OPT');
    const question = questions[0];
    if (header.opcode !== OPCODE_QUERY) {
      return this.reply(packet, question, { rcode: RCODE.NOTIMP }, transport);
    }
    if (questions.length !== 1 || opts.length > 1 || !question) {
      return encodeHeaderOnly(header.id, header.flags, RCODE.FORMERR);
    }
    const edns = opts[0];
    if (edns && edns.ednsVersion !== 0) {
      return this.reply(
        packet,
        question,
        { rcode: RCODE.NOERROR, extendedRcode: EXTENDED_RCODE_BADVERS },
        transport,
      );
    }

    let decision: DnsDecision;
    try {
      decision = await this.opts.lookup(bareName(question.name), client);
      if ('addresses' in decision) {
        const bad = decision.addresses.find((address) => !net.isIPv4(address));
        if (bad !== undefined) {
          throw new BerthError(
            'Internal',
            `DNS lookup of "${question.name}" gave "${bad}", not an IPv4 address`,
          );
        }
      }
    } catch (err) {
      this.report(err);
      return this.reply(packet, question, { rcode: RCODE.SERVFAIL }, transport);
    }
    if ('addresses' in decision) {
      const wantsA = A_TYPES.has(question.type) && isInternetClass(question.class);
      const addresses = wantsA ? decision.addresses : [];
      return this.reply(
        packet,
        question,
        { rcode: RCODE.NOERROR, authoritative: true, addresses },
        transport,
      );
    }
    const forwarded = await this.forward(query, header.id, decision.upstream, transport);
    return forwarded ?? this.reply(packet, question, { rcode: RCODE.SERVFAIL }, transport);
  }

  private reply(
    query: dnsPacket.DecodedPacket,
    question: dnsPacket.Question | undefined,
    how: { rcode: number; extendedRcode?: number; authoritative?: boolean; addresses?: string[] },
    transport: Transport,
  ): Buffer {
    const queryOpt = query.additionals?.find((rr): rr is dnsPacket.OptAnswer => rr.type === 'OPT');
    const flags =
      ((query.flags ?? 0) & (OPCODE_MASK | dnsPacket.RECURSION_DESIRED)) |
      dnsPacket.RECURSION_AVAILABLE |
      (how.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
      how.rcode;
    // RFC 6891 6.1.1: a request with OPT gets a response with OPT.
    const additionals: dnsPacket.Answer[] = queryOpt
      ? [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: EDNS_UDP_SIZE,
            extendedRcode: how.extendedRcode ?? 0,
            ednsVersion: 0,
            flags: 0,
            flag_do: false,
            options: [],
          },
        ]
      : [];
    const base: dnsPacket.Packet = {
      id: query.id,
      type: 'response',
      flags,
      questions: question ? [question] : [],
      answers: [],
      additionals,
    };
    const answers: dnsPacket.Answer[] = (how.addresses ?? []).map((address) => ({
      type: 'A',
      name: question?.name ?? '.',
      class: 'IN',
      ttl: this.ttl,
      data: address,
    }));
    const limit =
      transport === 'tcp'
        ? TCP_MAX_SIZE
        : queryOpt
          ? Math.max(CLASSIC_UDP_SIZE, Math.min(queryOpt.udpPayloadSize, EDNS_UDP_SIZE))
          : CLASSIC_UDP_SIZE;
    const full = { ...base, answers };
    if (dnsPacket.encodingLength(full) <= limit) return dnsPacket.encode(full);
    // The answers are all alike, so the ones that fit are a prefix of known length.
    const baseLength = dnsPacket.encodingLength(base);
    const each = dnsPacket.encodingLength({ ...base, answers: answers.slice(0, 1) }) - baseLength;
    const fit = Math.max(0, Math.floor((limit - baseLength) / each));
    return dnsPacket.encode({
      ...base,
      flags: flags | dnsPacket.TRUNCATED_RESPONSE,
      answers: answers.slice(0, fit),
    });
  }

  /** The first usable upstream answer under the client's ID, or undefined when none gave one. */
  private async forward(
    query: Buffer,
    clientId: number,
    upstream: readonly string[],
    transport: Transport,
  ): Promise<Buffer | undefined> {
    const servers = upstream
      .map(parseUpstream)
      .filter((s): s is Upstream => s !== undefined && !this.isSelf(s));
    if (servers.length === 0 || this.pendingForwards >= MAX_PENDING_FORWARDS) return undefined;
    this.pendingForwards++;
    try {
      for (const server of servers) {
        if (this.closed) return undefined;
        const answer = await this.exchange(server, query, transport);
        if (!answer) continue;
        const rcode = peekHeader(answer)?.rcode;
        if (rcode === RCODE.SERVFAIL || rcode === RCODE.REFUSED) continue;
        answer.writeUInt16BE(clientId, 0);
        return answer;
      }
      return undefined;
    } finally {
      this.pendingForwards--;
    }
  }

  private isSelf(server: Upstream): boolean {
    return server.port === this.self.port && sameAddress(server.host, this.self.host);
  }

  /** One query to one upstream; resolves undefined on timeout, error or close(), never rejects. */
  private exchange(server: Upstream, query: Buffer, transport: Transport): Promise<Buffer | undefined> {
    const id = randomInt(0, 0x10000);
    const out = Buffer.from(query);
    out.writeUInt16BE(id, 0);
    return new Promise((resolve) => {
      let release = () => {};
      const finish = (answer?: Buffer) => {
        clearTimeout(timer);
        this.cancels.delete(finish);
        release();
        resolve(answer);
      };
      const timer = setTimeout(finish, this.forwardTimeoutMs);
      this.cancels.add(finish);
      const accept = (msg: Buffer) => {
        const header = peekHeader(msg);
        if (header?.response && header.id === id) finish(Buffer.from(msg));
      };
      release =
        transport === 'udp'
          ? exchangeUdp(server, out, accept, finish)
          : exchangeTcp(server, out, accept, finish);
    });
  }
}

/**
 * Sends `query` over a connected UDP socket (the kernel drops datagrams from anyone else, and
 * an ICMP port-unreachable fails it at once); returns the function that closes the socket.
 */
function exchangeUdp(
  server: Upstream,
  query: Buffer,
  onMessage: (msg: Buffer) => void,
  fail: () => void,
): () => void {
  const socket = dgram.createSocket(server.family === 6 ? 'udp6' : 'udp4');
  let open = true;
  socket.on('error', () => fail());
  socket.on('message', onMessage);
  socket.connect(server.port, server.host, (err?: Error) => {
    if (err || !open) return err ? fail() : undefined;
    socket.send(query, (sendErr) => {
      if (sendErr) fail();
    });
  });
  return () => {
    if (!open) return;
    open = false;
    closeQuietly(socket);
  };
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // Already closed: nothing is left to release.
  }
}

/** Sends `query` length-prefixed on a new TCP connection; returns the function that destroys it. */
function exchangeTcp(
  server: Upstream,
  query: Buffer,
  onMessage: (msg: Buffer) => void,
  fail: () => void,
): () => void {
  const socket = net.connect({ host: server.host, port: server.port });
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('error', () => fail());
  socket.on('close', () => fail());
  socket.on('connect', () => socket.write(framed(query)));
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2) {
      const length = buffered.readUInt16BE(0);
      if (buffered.length < 2 + length) break;
      onMessage(buffered.subarray(2, 2 + length));
      buffered = buffered.subarray(2 + length);
    }
  });
  return () => socket.destroy();
}

/** Binds UDP and TCP on one port; with port 0, retries until the kernel's UDP pick is free for TCP too. */
async function bindBoth(
  address: string,
  family: 4 | 6,
  port: number,
): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const udp = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    try {
      await listen(udp, (done) => udp.bind({ address, port }, done));
    } catch (err) {
      closeQuietly(udp);
      throw bindError(err, address, port, 'UDP');
    }
    const bound = udp.address().port;
    const tcp = net.createServer({ allowHalfOpen: true });
    try {
      await listen(tcp, (done) => tcp.listen({ host: address, port: bound }, done));
      return { udp, tcp, port: bound };
    } catch (err) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if (port === 0 && errnoOf(err) === 'EADDRINUSE' && attempt < BIND_ATTEMPTS) continue;
      throw bindError(err, address, bound, 'TCP');
    }
  }
}

function listen(emitter: dgram.Socket | net.Server, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    emitter.once('error', onError);
    start(() => {
      emitter.off('error', onError);
      resolve();
    });
  });
}

function bindError(err: unknown, address: string, port: number, proto: string): BerthError {
  const where = `the DNS server's ${proto} port ${address}:${port}`;
  switch (errnoOf(err)) {
    case 'EADDRINUSE':
      return new BerthError(
        'Conflict',
        `${where} is already in use by another program; stop it or free the port`,
        {
          cause: err,
        },
      );
    case 'EADDRNOTAVAIL':
      return new BerthError(
        'FailedPrecondition',
        `${where}: ${address} is not an address of this host; the network's bridge must be up first`,
        { cause: err },
      );
    default:
      return fromErrno(err, `binding ${where}`);
  }
}

/** "ip", "ip:port", "[ipv6]" or "[ipv6]:port" (port 53 when absent); undefined when unreadable. */
function parseUpstream(text: string): Upstream | undefined {
  let host = text;
  let port = DEFAULT_PORT;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const v4WithPort = /^([^:]+):(\d+)$/.exec(text);
  if (bracketed) {
    host = bracketed[1];
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (v4WithPort) {
    host = v4WithPort[1];
    port = Number(v4WithPort[2]);
  }
  const family = net.isIP(host);
  if (family === 0 || port < 1 || port > 0xffff) return undefined;
  return { host, port, family: family === 6 ? 6 : 4 };
}

function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  const list = new net.BlockList();
  try {
    list.addAddress(b, net.isIPv6(b) ? 'ipv6' : 'ipv4');
    return list.check(a, net.isIPv6(a) ? 'ipv6' : 'ipv4');
  } catch {
    return false;
  }
}

/**
 * The fixed header fields (RFC 1035 4.1.1) of bytes that are not decoded whole: a query
 * dns-packet cannot decode still gets its FORMERR under its own ID, and an upstream's answer is
 * relayed as it came, including record types dns-packet would choke on.
 */
function peekHeader(
  buf: Buffer,
): { id: number; flags: number; response: boolean; opcode: number; rcode: number } | undefined {
  if (buf.length < 12) return undefined;
  const bits = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    flags: bits & 0x7fff,
    response: (bits & 0x8000) !== 0,
    opcode: (bits >> 11) & 0xf,
    rcode: bits & 0xf,
  };
}

/** A response carrying only a header: the query's ID, opcode and RD, with `rcode`. */
function encodeHeaderOnly(id: number, queryFlags: number, rcode: number): Buffer {
  const flags =
    (queryFlags & (OPCODE_MASK | dnsPacket.RECURSION_DESIRED)) | dnsPacket.RECURSION_AVAILABLE | rcode;
  return dnsPacket.encode({ id, type: 'response', flags, questions: [] });
}

function framed(message: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length, 0);
  return Buffer.concat([prefix, message]);
}

/** DNS names compare case-insensitively in ASCII only (RFC 4343); the root is the empty name. */
function bareName(name: string): string {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  return trimmed.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

function isInternetClass(klass: dnsPacket.RecordClass | undefined): boolean {
  return klass === undefined || klass === 'IN' || klass === 'ANY';
}
