import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { refused } from '../../test/helpers/errors.ts';
import { type Db, openDatabase } from '../util/sqlite.ts';
import { setOwnerRules } from './firewall.ts';
import { BRIDGE_NAME_OPTION } from './network-create.ts';
import { NetworkManager, type NetworkManagerOptions, type SandboxRequest } from './network-manager.ts';
import type { NetworkRecord } from './network-record.ts';

const hasTool = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const TOOLS = ['unshare', 'nsenter', 'mount', 'ip', 'iptables-save', 'iptables-restore', 'busybox'];
const missing = TOOLS.find((t) => !hasTool(t));
const skip =
  process.getuid?.() !== 0
    ? 'needs root'
    : missing
      ? `needs ${missing}, which is not installed`
      : !['/usr/lib/cni/bridge', '/opt/cni/bin/bridge'].some((p) => existsSync(p))
        ? 'needs the CNI plugins (apt-get install containernetworking-plugins)'
        : false;

// The file runs itself again in network and mount namespaces of its own. It compares
// whole iptables tables and link lists before and after, and other berth daemons on
// this host (other engineers' test runs) change both at the same time; in namespaces
// of its own it has its own iptables tables, routes, links and mounts, which vanish
// with it even if the test dies half-way, and it cannot touch anyone else's. The code
// paths are the host's. sysfs shows the network namespace of whoever mounted it, so it
// is mounted again (bridge-device.ts reads /sys/class/net). The test report reaches the
// runner unchanged (same stdout, same arguments).
const ISOLATED = 'BERTH_NETWORK_MANAGER_TEST_NETNS';
if (!skip && !process.env[ISOLATED]) {
  const r = spawnSync(
    'unshare',
    [
      '--net',
      '--mount',
      '--propagation',
      'private',
      '--',
      process.execPath,
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    { stdio: 'inherit', env: { ...process.env, [ISOLATED]: '1' } },
  );
  process.exit(r.status ?? 1);
}
if (!skip) {
  execFileSync('mount', ['-t', 'sysfs', 'sysfs', '/sys']);
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
}

/** Fails a wait that would otherwise be endless; never an assertion on time. */
const GIVE_UP_MS = 15_000;
const LOCALHOST = '127.0.0.1';
/** Third octets of 172.31.x.0/24 for the extra networks: outside 100-250, where the main two are. */
const VETH_OCTET = 99;
const ADOPTED_OCTET = 98;
const INTERNAL_OCTET = 96;
const OTHER_OCTET = 97;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const newContainerId = () => hex(32);
const ctrOwner = (id: string) => `ctr-${id.slice(0, 16)}`;
const netOwner = (n: NetworkRecord) => `net-${n.id.slice(0, 16)}`;

const run = (cmd: string, ...args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inNetns = (netns: string, ...args: string[]) => run('nsenter', `--net=${netns}`, ...args);
/** Interface names of this namespace (without the `@peer` part). */
const links = () =>
  run('ip', '-o', 'link')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(': ')[1]!.split('@')[0]!)
    .sort();
const ruleLines = (table?: 'filter' | 'nat') =>
  run('iptables-save', ...(table ? ['-t', table] : []))
    .split('\n')
    .filter((l) => l.startsWith('-A '));
const rulesOf = (owner: string) => ruleLines().filter((l) => l.includes(`--comment "berth:${owner}"`));
const mounted = (path: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === path);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `attempt` until it returns without throwing; gives up after GIVE_UP_MS. */
async function eventually<T>(what: string, attempt: () => Promise<T>): Promise<T> {
  const end = Date.now() + GIVE_UP_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > end) throw new Error(`gave up waiting for ${what}: ${(err as Error).message}`);
      await sleep(100);
    }
  }
}

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: GIVE_UP_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${host}:${port}`)));
    req.on('error', reject);
  });
}

/** One A query over UDP: the rcode and the addresses. */
function resolveA(server: string, name: string): Promise<{ rcode: number; addresses: string[] }> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const id = randomInt(1, 0xffff);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no DNS answer from ${server}:53 for ${name}`));
    }, GIVE_UP_MS);
    socket.on('message', (msg) => {
      const p = dnsPacket.decode(msg);
      if (p.id !== id) return;
      clearTimeout(timer);
      socket.close();
      resolve({
        rcode: (p.flags ?? 0) & 0xf,
        addresses: (p.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : [])),
      });
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
    socket.send(
      dnsPacket.encode({
        type: 'query',
        id,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type: 'A', name, class: 'IN' }],
      }),
      53,
      server,
    );
  });
}

async function tcpFree(port: number, host = LOCALHOST): Promise<boolean> {
  const s = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen({ port, host, exclusive: true }, resolve);
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return false;
    throw err;
  }
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return true;
}

describe('NetworkManager (real bridges, CNI plugins, iptables; own network namespace)', { skip }, () => {
  const dir = skip ? '' : mkdtempSync(join(tmpdir(), 'berth-netmgr-test-'));
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  const defaultOctet = randomInt(100, 251);
  let userOctet = randomInt(100, 251);
  while (userOctet === defaultOctet) userOctet = randomInt(100, 251);
  const defaultBridge = { name: `bt${hex(3)}`, address: `172.31.${defaultOctet}.1/24` };
  const userBridge = `bu${hex(3)}`;
  const userSubnet = `172.31.${userOctet}.0/24`;
  const userGateway = `172.31.${userOctet}.1`;
  const fixedIp = `172.31.${userOctet}.50`;
  const warnings: string[] = [];

  let db: Db;
  let mgr: NetworkManager;
  const managers: NetworkManager[] = [];
  let user: NetworkRecord;
  /** Every container ID a test set up, for the cleanup. */
  const containers = new Set<string>();
  const children: ChildProcess[] = [];
  const blockers: Server[] = [];
  const extraLinks: string[] = [];
  let linksBefore: string[] = [];

  const options = (): NetworkManagerOptions => ({
    db,
    root,
    state,
    defaultBridge,
    warn: (m) => warnings.push(m),
  });
  const sandboxRequest = (
    containerId: string,
    over: Partial<SandboxRequest> = {},
    join: { ip?: string; aliases?: string[]; network?: NetworkRecord } = {},
  ): SandboxRequest => {
    containers.add(containerId);
    return {
      containerId,
      names: [`c-${containerId.slice(0, 8)}`, containerId.slice(0, 12)],
      networks: [
        { network: join.network ?? user, aliases: join.aliases ?? [], ...(join.ip ? { ip: join.ip } : {}) },
      ],
      ports: [],
      dns: [],
      ...over,
    };
  };

  /** Undone in `after`, last made first. */
  const cleanups: (() => Promise<void>)[] = [];

  /** A second daemon with its own database, root and state, and a container with a published port. */
  async function otherDaemon(): Promise<string> {
    const otherDir = join(dir, 'other');
    const otherDb = openDatabase(join(dir, 'other.db'));
    const other = new NetworkManager({
      db: otherDb,
      root: join(otherDir, 'root'),
      state: join(otherDir, 'state'),
      defaultBridge: null,
      warn: (m) => warnings.push(`other daemon: ${m}`),
    });
    const otherBridge = `bo${hex(3)}`;
    extraLinks.push(otherBridge);
    const theirs = newContainerId();
    cleanups.push(async () => {
      await other.tearDown(theirs).catch(() => {});
      for (const n of other.list()) if (!n.builtin) await other.remove(n.id).catch(() => {});
      await other.close();
      otherDb.close();
    });
    const net = await other.create({
      Name: 'theirs',
      IPAM: { Config: [{ Subnet: `172.31.${OTHER_OCTET}.0/24` }] },
      Options: { [BRIDGE_NAME_OPTION]: otherBridge },
    });
    await other.setUp({
      containerId: theirs,
      names: [],
      networks: [{ network: net, aliases: [] }],
      ports: [{ protocol: 'tcp', hostIp: LOCALHOST, hostPort: '', containerPort: 80 }],
      dns: [],
    });
    return theirs;
  }

  before(async () => {
    mkdirSync(root, { recursive: true });
    mkdirSync(state, { recursive: true });
    db = openDatabase(join(dir, 'berth.db'));
    linksBefore = links();
    mgr = new NetworkManager(options());
    managers.push(mgr);
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const undo of cleanups.reverse()) await undo().catch(() => {});
    for (const s of blockers) s.close();
    for (const m of managers) {
      for (const id of containers) await m.tearDown(id).catch(() => {});
      for (const n of m.list()) if (!n.builtin) await m.remove(n.id).catch(() => {});
      await m.close().catch(() => {});
    }
    for (const name of [defaultBridge.name, userBridge, ...extraLinks])
      spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' });
    for (const owner of [...containers].map(ctrOwner)) await setOwnerRules(owner, []).catch(() => {});
    db?.close();
    const netnsDir = join(state, 'netns');
    for (const name of existsSync(netnsDir) ? readdirSync(netnsDir) : [])
      spawnSync('umount', ['-l', join(netnsDir, name)], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('open(): the built-in networks and the default bridge network from the daemon flags', async () => {
    await mgr.open();
    await mgr.open(); // a second open changes nothing
    assert.deepEqual(warnings, []);
    const names = mgr
      .list()
      .map((n) => n.name)
      .sort();
    assert.deepEqual(names, ['bridge', 'host', 'none']);
    const bridge = mgr.defaultNetwork()!;
    assert.equal(bridge.bridge, defaultBridge.name);
    assert.equal(bridge.subnet, `172.31.${defaultOctet}.0/24`);
    assert.equal(bridge.gateway, `172.31.${defaultOctet}.1`);
    assert.equal(bridge.builtin, true);
    assert.equal(mgr.resolve('bridge').id, bridge.id);
    assert.equal(mgr.resolve(bridge.id.slice(0, 10)).id, bridge.id);
    assert.equal(mgr.resolve('host').driver, 'host');
    assert.equal(mgr.resolve('none').driver, 'null');
  });

  it('open() without --bip adopts the address of a bridge that is there already (as docker0)', async () => {
    const name = `bp${hex(3)}`;
    extraLinks.push(name);
    run('ip', 'link', 'add', name, 'type', 'bridge');
    run('ip', 'addr', 'add', `172.31.${ADOPTED_OCTET}.1/24`, 'dev', name);
    const otherDb = openDatabase(join(dir, 'adopt.db'));
    try {
      const m = new NetworkManager({ ...options(), db: otherDb, defaultBridge: { name } });
      await m.open();
      const n = m.defaultNetwork()!;
      assert.equal(n.bridge, name);
      assert.equal(n.subnet, `172.31.${ADOPTED_OCTET}.0/24`);
      assert.equal(n.gateway, `172.31.${ADOPTED_OCTET}.1`);
      await m.close();
    } finally {
      otherDb.close();
      run('ip', 'link', 'del', name);
    }
  });

  it('create(): a user network with its bridge, gateway, rules and DNS server', async () => {
    user = await mgr.create({
      Name: `nt-${hex(4)}`,
      IPAM: { Config: [{ Subnet: userSubnet }] },
      Options: { [BRIDGE_NAME_OPTION]: userBridge },
    });
    assert.equal(user.bridge, userBridge);
    assert.equal(user.gateway, userGateway);
    assert.equal(mgr.resolve(user.name).id, user.id);
    assert.match(run('ip', '-o', 'addr', 'show', 'dev', userBridge), new RegExp(`inet ${userGateway}/24 `));
    const rules = rulesOf(netOwner(user));
    assert.ok(
      rules.some((l) => l.startsWith(`-A BERTH-ISOLATION-2 -o ${userBridge} `) && l.endsWith('-j DROP')),
    );
    assert.ok(rules.some((l) => l.startsWith(`-A BERTH-POSTROUTING -s ${userSubnet} ! -o ${userBridge} `)));
    // answers on its gateway: an unknown name is forwarded, so ask for nothing that exists
    assert.deepEqual(warnings, []);
  });

  it('create() refuses a taken name or an overlapping subnet, and makes nothing', async () => {
    const before = links();
    await assert.rejects(mgr.create({ Name: user.name }), refused('Conflict', user.name));
    await assert.rejects(
      mgr.create({ Name: `nt-${hex(4)}`, IPAM: { Config: [{ Subnet: `172.31.${defaultOctet}.128/25` }] } }),
      refused('Conflict', 'network bridge'),
    );
    assert.deepEqual(links(), before);
    assert.equal(mgr.list().length, 4);
  });

  it('create() refuses a bridge name that is an existing interface other than a bridge', async () => {
    const veth = `bv${hex(3)}`;
    extraLinks.push(veth);
    run('ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`);
    const attempt = mgr.create({
      Name: `nt-${hex(4)}`,
      IPAM: { Config: [{ Subnet: `172.31.${VETH_OCTET}.0/24` }] },
      Options: { [BRIDGE_NAME_OPTION]: veth },
    });
    try {
      await assert.rejects(attempt, /not a bridge/);
    } finally {
      const made = await attempt.catch(() => undefined);
      if (made) await mgr.remove(made.id);
      spawnSync('ip', ['link', 'del', veth], { stdio: 'ignore' });
    }
  });

  it('the default bridge network comes up with its first container: bridge, gateway address, rules', async () => {
    const bridgeNet = mgr.defaultNetwork()!;
    const id = newContainerId();
    const sb = await mgr.setUp(sandboxRequest(id, {}, { network: bridgeNet }));
    try {
      assert.match(sb.endpoints[0]!.ip, new RegExp(`^172\\.31\\.${defaultOctet}\\.\\d+$`));
      assert.deepEqual(sb.endpoints[0]!.names, [], 'no names on the default bridge network');
      assert.match(
        run('ip', '-o', 'addr', 'show', 'dev', defaultBridge.name),
        new RegExp(`inet ${defaultBridge.address} `),
      );
      assert.match(run('ip', '-o', 'link', 'show', 'dev', defaultBridge.name), /[<,]UP[,>]/);
      assert.ok(
        rulesOf(netOwner(bridgeNet)).some((l) =>
          l.startsWith(`-A BERTH-POSTROUTING -s ${bridgeNet.subnet} ! -o ${defaultBridge.name} `),
        ),
        `masquerade of the default network: ${rulesOf(netOwner(bridgeNet)).join('\n')}`,
      );
      assert.equal(
        readFileSync(`/proc/sys/net/ipv4/conf/${defaultBridge.name}/route_localnet`, 'utf8').trim(),
        '1',
        'route_localnet (ports published on 127.0.0.1)',
      );
    } finally {
      await mgr.tearDown(id);
    }
  });

  let a = '';
  let aIp = '';
  let aPort = 0;
  let aNetns = '';

  it('setUp(): a namespace with eth0 on the network, a default route, and a published port with its DNAT rule', async () => {
    a = newContainerId();
    const sandbox = await mgr.setUp(
      sandboxRequest(
        a,
        { ports: [{ protocol: 'tcp', hostIp: LOCALHOST, hostPort: '', containerPort: 80 }] },
        { aliases: ['db-alias'] },
      ),
    );
    aNetns = sandbox.netns;
    assert.equal(aNetns, join(state, 'netns', a));
    assert.ok(mounted(aNetns), 'the namespace file is a mount');
    const [ep] = sandbox.endpoints;
    assert.equal(sandbox.endpoints.length, 1);
    aIp = ep!.ip;
    assert.match(aIp, new RegExp(`^172\\.31\\.${userOctet}\\.\\d+$`));
    assert.notEqual(aIp, userGateway);
    assert.equal(ep!.ifname, 'eth0');
    assert.equal(ep!.gateway, userGateway);
    assert.equal(ep!.prefixLen, 24);
    assert.deepEqual(ep!.names, [`c-${a.slice(0, 8)}`, a.slice(0, 12), 'db-alias']);

    const addrs = inNetns(aNetns, 'ip', '-o', '-4', 'addr');
    assert.match(addrs, new RegExp(`eth0\\s+inet ${aIp.replace(/\./g, '\\.')}/24 `));
    assert.match(addrs, /lo\s+inet 127\.0\.0\.1\/8/);
    assert.match(inNetns(aNetns, 'ip', 'route'), new RegExp(`^default via ${userGateway} dev eth0`, 'm'));
    assert.match(inNetns(aNetns, 'ip', '-o', 'link', 'show', 'eth0'), new RegExp(`link/ether ${ep!.mac} `));
    // the host end of the veth is on the bridge
    assert.equal(run('ip', '-o', 'link', 'show', 'master', userBridge).trim().split('\n').length, 1);

    assert.equal(sandbox.ports.length, 1);
    const [port] = sandbox.ports;
    aPort = port!.hostPort;
    assert.ok(aPort > 0);
    assert.deepEqual(port, { protocol: 'tcp', hostIp: LOCALHOST, hostPort: aPort, containerPort: 80 });
    assert.equal(await tcpFree(aPort), false, 'the host port is held');
    assert.ok(
      ruleLines('nat').includes(
        `-A BERTH-DNAT -d 127.0.0.1/32 -p tcp -m tcp --dport ${aPort} -m comment --comment "berth:${ctrOwner(a)}" -j DNAT --to-destination ${aIp}:80`,
      ),
      rulesOf(ctrOwner(a)).join('\n'),
    );
    assert.deepEqual(mgr.store.sandbox(a), { containerId: a, netns: aNetns, ports: sandbox.ports });
    assert.deepEqual(mgr.endpointsOf(user.id), sandbox.endpoints);
  });

  it('a server in the namespace answers through 127.0.0.1:<host port>, by DNAT, and on its own address', async () => {
    const www = join(dir, 'www');
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), 'hello from the sandbox\n');
    const httpd = spawn('nsenter', [`--net=${aNetns}`, 'busybox', 'httpd', '-f', '-p', '80', '-h', www], {
      stdio: 'ignore',
    });
    children.push(httpd);
    assert.equal(
      await eventually('httpd in the sandbox', () => httpGet(aIp, 80)),
      'hello from the sandbox\n',
    );
    assert.equal(await httpGet(LOCALHOST, aPort), 'hello from the sandbox\n');
    // the kernel carried it (the rule counted the connection), not the held socket's proxy
    const counted = run('iptables-save', '-c', '-t', 'nat')
      .split('\n')
      .find((l) => l.includes(`--dport ${aPort} `) && l.includes('-j DNAT'));
    assert.ok(counted, 'the DNAT rule');
    assert.ok(Number(/^\[(\d+):/.exec(counted!)?.[1]) > 0, counted);
  });

  it("the network's DNS server answers the container's names and aliases with its address", async () => {
    for (const name of [`c-${a.slice(0, 8)}`, a.slice(0, 12), 'db-alias']) {
      const answer = await resolveA(userGateway, name);
      assert.equal(answer.rcode, 0, name);
      assert.deepEqual(answer.addresses, [aIp], name);
    }
  });

  it('renameContainer(): the new name answers, the old one no longer does', async () => {
    const from = `c-${a.slice(0, 8)}`;
    const to = `renamed-${a.slice(0, 8)}`;
    mgr.renameContainer(a, from, to);
    assert.deepEqual((await resolveA(userGateway, to)).addresses, [aIp]);
    assert.deepEqual((await resolveA(userGateway, from)).addresses, []);
    assert.deepEqual(mgr.store.endpoints({ containerId: a })[0]!.names, [to, a.slice(0, 12), 'db-alias']);
    mgr.renameContainer(a, to, from);
  });

  it('a container whose name has capitals is found (DNS names are case-insensitive)', async () => {
    const id = newContainerId();
    const sandbox = await mgr.setUp(sandboxRequest(id, { names: ['Web-Front'] }, { aliases: ['MyAlias'] }));
    try {
      const answer = await resolveA(userGateway, 'Web-Front');
      assert.deepEqual(answer.addresses, [sandbox.endpoints[0]!.ip]);
    } finally {
      await mgr.tearDown(id);
    }
  });

  let b = '';

  it('--ip: the address asked for; a second sandbox asking the same one is a Conflict and leaves nothing', async () => {
    b = newContainerId();
    const sb = await mgr.setUp(sandboxRequest(b, {}, { ip: fixedIp }));
    assert.equal(sb.endpoints[0]!.ip, fixedIp);
    assert.match(
      inNetns(sb.netns, 'ip', '-o', '-4', 'addr', 'show', 'eth0'),
      new RegExp(`inet ${fixedIp}/24 `),
    );

    const before = links();
    const c = newContainerId();
    await assert.rejects(
      mgr.setUp(sandboxRequest(c, {}, { ip: fixedIp })),
      refused('Conflict', `Address already in use: ${fixedIp} on network ${user.name}`),
    );
    assert.equal(mgr.store.sandbox(c), undefined);
    assert.deepEqual(mgr.store.endpoints({ containerId: c }), []);
    assert.ok(!existsSync(mgr.netnsPath(c)), 'namespace file left');
    assert.deepEqual(links(), before);
  });

  it('--ip is refused outside the subnet and on the default bridge network', async () => {
    const c = newContainerId();
    await assert.rejects(
      mgr.setUp(sandboxRequest(c, {}, { ip: '10.99.0.5' })),
      refused('InvalidArgument', '10.99.0.5', user.subnet),
    );
    await assert.rejects(
      mgr.setUp(sandboxRequest(c, {}, { ip: `172.31.${defaultOctet}.9`, network: mgr.defaultNetwork()! })),
      refused('InvalidArgument', 'user defined networks only'),
    );
    await assert.rejects(
      mgr.setUp(sandboxRequest(c, {}, { ip: '172.31.1' })),
      refused('InvalidArgument', '--ip'),
    );
    assert.equal(mgr.store.sandbox(c), undefined);
    assert.ok(!existsSync(mgr.netnsPath(c)));
  });

  it('a host port that is taken fails the setUp with a Conflict, and everything made is undone', async () => {
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, LOCALHOST, resolve));
    const taken = (blocker.address() as { port: number }).port;
    const before = links();
    const rulesBefore = ruleLines();
    const c = newContainerId();
    await assert.rejects(
      mgr.setUp(
        sandboxRequest(c, {
          ports: [
            { protocol: 'udp', hostIp: LOCALHOST, hostPort: '', containerPort: 53 },
            { protocol: 'tcp', hostIp: LOCALHOST, hostPort: String(taken), containerPort: 80 },
          ],
        }),
      ),
      refused('Conflict', `${LOCALHOST}:${taken}`),
    );
    assert.deepEqual(links(), before);
    assert.deepEqual(ruleLines(), rulesBefore);
    assert.equal(mgr.store.sandbox(c), undefined);
    assert.deepEqual(mgr.store.endpoints({ containerId: c }), []);
    assert.ok(!existsSync(mgr.netnsPath(c)));
    assert.ok(!mounted(mgr.netnsPath(c)));
  });

  it('connect() adds eth1 on a second network, keeping the default route; disconnect() takes it away', async () => {
    const bridgeNet = mgr.defaultNetwork()!;
    const ep = await mgr.connect(a, { network: bridgeNet, aliases: [] }, { names: ['x'], dns: [] });
    assert.equal(ep.ifname, 'eth1');
    assert.match(ep.ip, new RegExp(`^172\\.31\\.${defaultOctet}\\.\\d+$`));
    assert.deepEqual(ep.names, [], 'no names on the default bridge network');
    assert.match(inNetns(aNetns, 'ip', '-o', '-4', 'addr', 'show', 'eth1'), new RegExp(`inet ${ep.ip}/24 `));
    const routes = inNetns(aNetns, 'ip', 'route');
    assert.deepEqual(
      routes
        .split('\n')
        .filter((l) => l.startsWith('default'))
        .map((l) => l.trim()),
      [`default via ${userGateway} dev eth0`],
      routes,
    );
    assert.deepEqual(
      mgr.store.endpoints({ containerId: a }).map((e) => e.ifname),
      ['eth0', 'eth1'],
    );
    await assert.rejects(
      mgr.connect(a, { network: bridgeNet, aliases: [] }, { names: [], dns: [] }),
      refused('Conflict', 'already exists in network bridge'),
    );
    await assert.rejects(
      mgr.connect(newContainerId(), { network: bridgeNet, aliases: [] }, { names: [], dns: [] }),
      refused('FailedPrecondition', 'no network namespace'),
    );

    await mgr.disconnect(a, bridgeNet.id);
    assert.doesNotMatch(inNetns(aNetns, 'ip', '-o', 'link'), /eth1/);
    assert.deepEqual(mgr.endpointsOf(bridgeNet.id), []);
    assert.equal(run('ip', '-o', 'link', 'show', 'master', defaultBridge.name).trim(), '');
    await mgr.disconnect(a, bridgeNet.id); // not connected: nothing to do
  });

  it('tearDown(): veths, DNAT rules, the namespace file and the port go, and the address is free again', async () => {
    for (const c of children.splice(0)) {
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await exited;
    }
    const hostLinks = links();
    await mgr.tearDown(a);
    assert.deepEqual(rulesOf(ctrOwner(a)), []);
    assert.ok(!mounted(aNetns), 'still mounted');
    assert.ok(!existsSync(aNetns), 'namespace file left');
    assert.equal(mgr.store.sandbox(a), undefined);
    assert.deepEqual(mgr.store.endpoints({ containerId: a }), []);
    assert.equal(await tcpFree(aPort), true, 'host port still held');
    const gone = hostLinks.filter((l) => !links().includes(l));
    assert.equal(gone.length, 1, `one veth should go: ${gone.join(' ')}`);
    assert.match(gone[0]!, /^veth/);
    await mgr.tearDown(a); // twice is fine

    const d = newContainerId();
    const sb = await mgr.setUp(sandboxRequest(d, {}, { ip: aIp }));
    assert.equal(sb.endpoints[0]!.ip, aIp);
  });

  it('remove() refuses a network with endpoints, a built-in one, and an unknown one', async () => {
    await assert.rejects(mgr.remove(user.name), refused('Conflict', 'has active endpoints'));
    await assert.rejects(mgr.remove('bridge'), refused('PermissionDenied', 'pre-defined'));
    await assert.rejects(mgr.remove('host'), refused('PermissionDenied'));
    await assert.rejects(mgr.remove(`no-such-${hex(4)}`), refused('NotFound'));
    assert.ok(existsSync(`/sys/class/net/${userBridge}`));
  });

  it('containers set up at once get distinct addresses and their own rules, and go at once', async () => {
    const hostLinks = links();
    const ids = Array.from({ length: 5 }, newContainerId);
    const sandboxes = await Promise.all(
      ids.map((id) =>
        mgr.setUp(
          sandboxRequest(id, {
            ports: [{ protocol: 'tcp', hostIp: LOCALHOST, hostPort: '', containerPort: 80 }],
          }),
        ),
      ),
    );
    const ips = sandboxes.map((sb) => sb.endpoints[0]!.ip);
    assert.equal(new Set(ips).size, ids.length, ips.join(' '));
    const ports = sandboxes.map((sb) => sb.ports[0]!.hostPort);
    assert.equal(new Set(ports).size, ids.length);
    ids.forEach((id, i) => {
      assert.ok(
        rulesOf(ctrOwner(id)).some((l) => l.includes(`--dport ${ports[i]} `) && l.endsWith(`${ips[i]}:80`)),
        `DNAT of ${id.slice(0, 12)}`,
      );
    });
    assert.equal(links().length, hostLinks.length + ids.length, 'a veth each');
    await Promise.all(ids.map((id) => mgr.tearDown(id)));
    for (const id of ids) assert.deepEqual(rulesOf(ctrOwner(id)), []);
    assert.deepEqual(links(), hostLinks);
  });

  it('an internal network: no default route, no masquerade, isolation rules; its MTU on the interfaces', async () => {
    const bridge = `bi${hex(3)}`;
    extraLinks.push(bridge);
    const internal = await mgr.create({
      Name: `in-${hex(4)}`,
      Internal: true,
      IPAM: { Config: [{ Subnet: `172.31.${INTERNAL_OCTET}.0/24` }] },
      Options: { [BRIDGE_NAME_OPTION]: bridge, 'com.docker.network.driver.mtu': '1400' },
    });
    const id = newContainerId();
    try {
      const sb = await mgr.setUp(sandboxRequest(id, {}, { network: internal }));
      assert.doesNotMatch(inNetns(sb.netns, 'ip', 'route'), /^default/m);
      assert.match(inNetns(sb.netns, 'ip', '-o', 'link', 'show', 'eth0'), / mtu 1400 /);
      assert.match(run('ip', '-o', 'link', 'show', 'dev', bridge), / mtu 1400 /);
      const rules = rulesOf(netOwner(internal));
      assert.ok(!rules.some((l) => l.includes('MASQUERADE')), rules.join('\n'));
      assert.ok(
        rules.some(
          (l) => l.startsWith(`-A BERTH-ISOLATION-1 -i ${bridge} ! -o ${bridge} `) && l.endsWith('-j DROP'),
        ),
      );
    } finally {
      await mgr.tearDown(id);
      await mgr.remove(internal.id);
    }
    assert.ok(!existsSync(`/sys/class/net/${bridge}`));
    assert.deepEqual(rulesOf(netOwner(internal)), []);
  });

  let running = '';
  /** The rules of another daemon's container, before and after this daemon's reconcile(). */
  const theirRules = { before: 0, after: 0 };

  it('a restarted daemon reconciles: what no running container owns is torn down, running ones get their ports back', async () => {
    const gone = newContainerId();
    running = newContainerId();
    const port = () => ({ protocol: 'tcp' as const, hostIp: LOCALHOST, hostPort: '', containerPort: 80 });
    const goneSb = await mgr.setUp(sandboxRequest(gone, { ports: [port()] }));
    const runSb = await mgr.setUp(sandboxRequest(running, { ports: [port()] }));
    const goneIp = goneSb.endpoints[0]!.ip;
    const runPort = runSb.ports[0]!.hostPort;
    const vethsBefore = run('ip', '-o', 'link', 'show', 'master', userBridge).split('\n').length;
    // what a crash leaves with no row: a namespace file
    const stray = newContainerId();
    containers.add(stray);
    writeFileSync(join(state, 'netns', stray), '');
    // another berth daemon on the same host (its own database, root and state), with a published port
    const theirs = await otherDaemon();
    theirRules.before = rulesOf(ctrOwner(theirs)).length;

    // the old daemon lets go of its ports and DNS servers, as a dying process does
    await mgr.close();
    assert.equal(await tcpFree(goneSb.ports[0]!.hostPort), true, 'close() frees the ports');
    assert.equal(await tcpFree(runPort), true, 'close() frees the ports');

    const restarted = new NetworkManager(options());
    managers.push(restarted);
    await restarted.open();
    const alive = mgr.store
      .sandboxes()
      .map((s) => s.containerId)
      .filter((id) => id !== gone);
    await restarted.reconcile(new Set(alive));
    mgr = restarted;
    theirRules.after = rulesOf(ctrOwner(theirs)).length;

    assert.deepEqual(rulesOf(ctrOwner(gone)), []);
    assert.ok(!existsSync(goneSb.netns));
    assert.equal(mgr.store.sandbox(gone), undefined);
    assert.deepEqual(mgr.store.endpoints({ containerId: gone }), []);
    assert.equal(run('ip', '-o', 'link', 'show', 'master', userBridge).split('\n').length, vethsBefore - 1);
    assert.ok(!existsSync(join(state, 'netns', stray)), 'a namespace file with no row is removed');

    assert.ok(mounted(runSb.netns));
    assert.equal(rulesOf(ctrOwner(running)).length, 2, 'DNAT and hairpin stay');
    assert.equal(await tcpFree(runPort), false, 'the running container has its port again');
    assert.deepEqual(warnings, []);

    // the address of the torn-down container is free
    const again = newContainerId();
    assert.equal((await mgr.setUp(sandboxRequest(again, {}, { ip: goneIp }))).endpoints[0]!.ip, goneIp);
  });

  it("reconcile() leaves the rules of another berth daemon's containers alone", () => {
    assert.equal(theirRules.before, 2);
    assert.equal(theirRules.after, 2, "the other daemon's port rules");
  });

  it('remove() of a network whose containers are gone deletes its bridge, rules and allocations', async () => {
    for (const id of mgr.store.sandboxes().map((s) => s.containerId)) await mgr.tearDown(id);
    assert.deepEqual(mgr.endpointsOf(user.id), []);
    const ipam = join(root, 'network', 'ipam', `berth-${user.id.slice(0, 12)}`);
    assert.ok(existsSync(ipam), `host-local's directory ${ipam}`);
    await mgr.remove(user.id);
    assert.ok(!existsSync(`/sys/class/net/${userBridge}`), 'bridge left');
    assert.deepEqual(rulesOf(netOwner(user)), []);
    assert.ok(!existsSync(ipam), 'allocations left');
    assert.ok(!mgr.list().some((n) => n.id === user.id));
    await assert.rejects(mgr.remove(user.id), refused('NotFound'));
  });

  it('leaves no rule of its containers or networks, and no namespace file', async () => {
    for (const undo of cleanups.splice(0).reverse()) await undo();
    for (const id of containers) await mgr.tearDown(id);
    for (const id of containers) assert.deepEqual(rulesOf(ctrOwner(id)), [], id);
    assert.deepEqual(
      ruleLines().filter((l) => l.includes(userBridge)),
      [],
    );
    assert.deepEqual(readdirSync(join(state, 'netns')), []);
    // only the default bridge is left of what the test made
    const { name } = defaultBridge;
    assert.deepEqual(
      links().filter((l) => !linksBefore.includes(l)),
      [name],
    );
    await mgr.close();
  });
});
