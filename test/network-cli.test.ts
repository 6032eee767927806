// Networks and published ports as a user meets them, as root on the real kernel:
// `bin/berth` against one daemon on a temporary root whose default bridge has a
// name and a subnet of this test's own (`--bridge bt…`, `--bip 172.31.N.1/24`),
// with the busybox test image. busybox's httpd serves in containers; the host
// fetches through published ports on 127.0.0.1 and its own address; containers
// fetch from each other with wget by name, alias and address, resolve with
// nslookup, ping, and show their addresses and routes with `busybox ip`. Then the
// docker CLI does the same against berthd. Last, the host is checked: after
// `rm -f` and `network rm` (also after the daemon was SIGKILLed right after a
// `run -d -p`), no veth, bridge or firewall rule of berth's is left.
//
// The test touches only what it made: its containers and networks (user networks
// get subnets in 10.M.0.0/16, a /16 no route of the host uses), and, once the
// daemon is stopped, the default bridge it named and any rule naming that bridge
// or its subnet.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  cleanEnv,
  findDocker,
  type RunResult,
  run,
  runBerth,
  type TempDirs,
  TestDaemon,
  tempDirs,
} from './helpers/berth.ts';
import { busyboxMissing, makeBusyboxTarball } from './helpers/busybox.ts';
import { deleteRulesNaming, host, hostCidrs, inSubnet, overlaps, tool } from './helpers/host-network.ts';

const missingTool = ['ip', 'iptables-save'].find((t) => !tool(t));
const skip =
  process.getuid?.() !== 0
    ? 'needs root (namespaces, bridges, iptables)'
    : (busyboxMissing() ??
      (missingTool ? `${missingTool} not found: install iproute2 and iptables` : undefined));

const IMAGE = 'busybox:net';
const EXPOSING = 'net-exposing:1';
const HTTPD = ['httpd', '-f', '-p', '80', '-h', '/var/www'];
const PAGE = 'hello from berth\n';

// ---- IPv4 arithmetic for checking addresses against subnets ----

/** An IPv4 address as a whole word of text: 10.1.2.3 must not match 10.1.2.30. */
const ipPattern = (ip: string) => new RegExp(`(?<![\\d.])${ip.replace(/\./g, '\\.')}(?![\\d])`);
const namePattern = (name: string) => new RegExp(`(?<![\\w.-])${name.replace(/[.-]/g, '\\$&')}(?![\\w.-])`);

// ---- the host's side ----

/** Names of the host's network interfaces. */
async function hostLinks(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await host('ip', '-o', 'link')).split('\n')) {
    const m = /^(\d+):\s+([^:@\s]+)(?:@\S+)?:/.exec(line);
    if (m) out.set(m[2]!, Number(m[1]));
  }
  return out;
}

/** The host's IPv4 addresses, with the interface each is on. */
async function hostAddresses(): Promise<{ dev: string; ip: string }[]> {
  const out: { dev: string; ip: string }[] = [];
  for (const line of (await host('ip', '-o', '-4', 'addr')).split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet (\d+\.\d+\.\d+\.\d+)\//.exec(line);
    if (m) out.push({ dev: m[1]!, ip: m[2]! });
  }
  return out;
}

/** Every firewall rule of the host, as iptables (nft and legacy) and nft print them. */
async function firewallText(): Promise<string> {
  let text = await host('iptables-save');
  for (const [name, args] of [
    ['iptables-legacy-save', []],
    ['nft', ['list', 'ruleset']],
  ] as const) {
    if (!tool(name)) continue;
    const r = await run(tool(name)!, args, { env: cleanEnv() });
    if (r.code === 0) text += `\n${r.stdout}`;
  }
  return text;
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** The page at `url`, fetched from the host; polls while the server in the container starts. */
async function fetchFromHost(url: string): Promise<string> {
  let last: unknown;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await httpGet(url);
      if (r.status === 200) return r.body;
      last = new Error(`status ${r.status}`);
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  assert.fail(`could not fetch ${url} from the host: ${(last as Error)?.message}`);
}

/** A host IPv4 address that is not loopback and not one of this test's bridges. */
function ownHostAddress(avoid: readonly string[]): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal && !avoid.some((cidr) => inSubnet(a.address, cidr)))
        return a.address;
    }
  }
  return undefined;
}

/**
 * What berth put on the host for the containers and networks of a test, to check it is
 * gone after. Host ports are checked by the test that published them only: by the end
 * of the file another program may listen on one.
 */
class HostTrace {
  readonly ips = new Set<string>();
  readonly veths = new Set<string>();
  readonly bridges = new Set<string>();
  readonly subnets = new Set<string>();
  readonly ports = new Set<number>();

  add(other: HostTrace): void {
    for (const k of ['ips', 'veths', 'bridges', 'subnets'] as const) for (const v of other[k]) this[k].add(v);
  }
}

interface Endpoint {
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  NetworkID: string;
  EndpointID: string;
  Aliases?: string[] | null;
}

interface ContainerDoc {
  Id: string;
  Name: string;
  HostConfig: { PublishAllPorts?: boolean };
  NetworkSettings: {
    IPAddress: string;
    Gateway: string;
    Ports: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    Networks: Record<string, Endpoint> | null;
  };
}

interface NetworkDoc {
  Name: string;
  Id: string;
  Driver: string;
  Scope: string;
  Internal: boolean;
  IPAM: { Driver: string; Config: { Subnet?: string; Gateway?: string; IPRange?: string }[] | null };
  Containers: Record<string, { Name: string; IPv4Address: string }> | null;
  Options: Record<string, string> | null;
  Labels: Record<string, string> | null;
}

describe('berth networks and published ports', { skip }, () => {
  let dirs: TempDirs;
  let daemon: TestDaemon;
  let work: string;
  let bridge: string;
  let defaultSubnet: string;
  let defaultGateway: string;
  /** The second octet of the 10.M.0.0/16 the user networks take their subnets from. */
  let m: number;
  let daemonArgs: string[];
  const everything = new HostTrace();

  const subnet = (k: number) => `10.${m}.${k}.0/24`;
  const address = (k: number, last: number) => `10.${m}.${k}.${last}`;

  const berth = (args: string[], input?: string) =>
    runBerth(['-H', `unix://${dirs.socket}`, ...args], {}, { input, timeoutMs: 90_000 });
  async function ok(...args: string[]): Promise<string> {
    const r = await berth(args);
    assert.equal(r.code, 0, `berth ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }
  const containerDoc = async (name: string): Promise<ContainerDoc> =>
    JSON.parse(await ok('container', 'inspect', name))[0];
  const networkDoc = async (name: string): Promise<NetworkDoc> =>
    JSON.parse(await ok('network', 'inspect', name))[0];
  /** Run a throwaway container on `network` (`--network` value) and give its result. */
  const inNetwork = (network: string, ...cmd: string[]): Promise<RunResult> =>
    berth(['run', '--rm', '--network', network, IMAGE, ...cmd]);
  /** wget `url` from a throwaway container on `network`, retrying while names and servers come up. */
  async function wgetFrom(network: string, url: string): Promise<string> {
    const script = `n=0; until busybox timeout 5 wget -q -O - ${url}; do n=$((n+1)); [ $n -ge 40 ] && exit 1; sleep 0.25; done`;
    const r = await inNetwork(network, 'sh', '-c', script);
    assert.equal(r.code, 0, `wget ${url} from ${network} failed (${r.code}):\n${r.stderr}`);
    return r.stdout;
  }
  /**
   * One wget of `url` from `network` that must fail: the server is there but unreachable
   * from there. Under sh, not as pid 1: pid 1 of a namespace ignores timeout's SIGTERM.
   */
  async function wgetFails(network: string, url: string): Promise<void> {
    const r = await inNetwork(network, 'sh', '-c', `busybox timeout 5 wget -q -O - ${url}; exit $?`);
    assert.notEqual(r.code, 0, `wget ${url} from ${network} should fail, got:\n${r.stdout}`);
    assert.equal(r.stdout, '');
  }

  /** The host interface holding an address in `cidr`: the bridge of that network. */
  async function bridgeOf(cidr: string): Promise<string | undefined> {
    return (await hostAddresses()).find((a) => inSubnet(a.ip, cidr))?.dev;
  }

  /**
   * Record a user network's subnets and bridge. Only subnets in this test's 10.M.0.0/16:
   * one the daemon picked from its pool may be picked by another daemon on the host
   * once this one let it go.
   */
  async function noteNetwork(name: string, trace: HostTrace): Promise<NetworkDoc> {
    const doc = await networkDoc(name);
    for (const c of doc.IPAM.Config ?? []) {
      if (!c.Subnet || !inSubnet(c.Subnet.split('/')[0]!, `10.${m}.0.0/16`)) continue;
      trace.subnets.add(c.Subnet);
      const br = await bridgeOf(c.Subnet);
      if (br) trace.bridges.add(br);
    }
    everything.add(trace);
    return doc;
  }

  /**
   * Record what a running container has on the host: its addresses, the host ends of
   * its veths (found from inside, `eth0@ifN`, and as members of its networks' bridges)
   * and the bridges and subnets of its user networks.
   */
  async function note(name: string, trace: HostTrace): Promise<ContainerDoc> {
    const doc = await containerDoc(name);
    const links = await hostLinks();
    const byIndex = new Map([...links].map(([n, i]) => [i, n]));
    const inside = await berth(['exec', name, 'busybox', 'ip', '-o', 'link']);
    for (const mm of inside.stdout.matchAll(/^\d+: eth\d+@if(\d+):/gm)) {
      const veth = byIndex.get(Number(mm[1]));
      if (veth) trace.veths.add(veth);
    }
    for (const [net, ep] of Object.entries(doc.NetworkSettings.Networks ?? {})) {
      if (ep.IPAddress) trace.ips.add(ep.IPAddress);
      let br: string | undefined = bridge;
      if (net !== 'bridge') {
        const nd = await noteNetwork(net, trace);
        const cidr = nd.IPAM.Config?.find((c) => c.Subnet && inSubnet(ep.IPAddress, c.Subnet))?.Subnet;
        br = cidr ? await bridgeOf(cidr) : undefined;
      }
      if (!br) continue;
      for (const line of (await host('ip', '-o', 'link', 'show', 'master', br)).split('\n')) {
        const mm = /^\d+:\s+([^:@\s]+)/.exec(line);
        if (mm) trace.veths.add(mm[1]!);
      }
    }
    for (const bindings of Object.values(doc.NetworkSettings.Ports ?? {}))
      for (const b of bindings ?? []) trace.ports.add(Number(b.HostPort));
    everything.add(trace);
    return doc;
  }

  /** Nothing of `trace` is on the host any more: veths, bridges, addresses in its subnets, rules. */
  async function assertGone(trace: HostTrace): Promise<void> {
    const links = await hostLinks();
    for (const veth of trace.veths) assert.equal(links.has(veth), false, `veth ${veth} is left on the host`);
    for (const br of trace.bridges) assert.equal(links.has(br), false, `bridge ${br} is left on the host`);
    const addrs = await hostAddresses();
    for (const cidr of trace.subnets) {
      const left = addrs.find((a) => inSubnet(a.ip, cidr));
      assert.equal(left, undefined, `${left?.dev} still has ${left?.ip} of ${cidr}`);
    }
    const rules = (await firewallText()).split('\n');
    const mentioning = (p: RegExp) => rules.filter((l) => p.test(l)).join('\n');
    for (const ip of trace.ips) assert.equal(mentioning(ipPattern(ip)), '', `rules still name ${ip}`);
    for (const cidr of trace.subnets)
      assert.equal(mentioning(ipPattern(cidr.split('/')[0]!)), '', `rules name ${cidr}`);
    for (const br of trace.bridges) assert.equal(mentioning(namePattern(br)), '', `rules still name ${br}`);
    for (const port of trace.ports) {
      const served = await httpGet(`http://127.0.0.1:${port}/`).then(
        () => true,
        () => false,
      );
      assert.equal(served, false, `127.0.0.1:${port} still answers`);
    }
  }

  async function removeContainers(...names: string[]): Promise<void> {
    for (const name of names) await berth(['rm', '-f', name]);
  }

  before(async () => {
    // a default subnet and a /16 for user networks that no route or address of the host overlaps
    const used = await hostCidrs();
    const free = (cidr: string) => !used.some((u) => overlaps(u, cidr));
    let n: number;
    do n = randomInt(100, 251);
    while (!free(`172.31.${n}.0/24`));
    do m = randomInt(100, 251);
    while (!free(`10.${m}.0.0/16`));
    bridge = `bt${randomBytes(3).toString('hex')}`;
    defaultSubnet = `172.31.${n}.0/24`;
    defaultGateway = `172.31.${n}.1`;
    daemonArgs = ['--bridge', bridge, '--bip', `${defaultGateway}/24`];
    dirs = await tempDirs('berth-network-');
    work = mkdtempSync(join(tmpdir(), 'berth-network-work-'));
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state, args: daemonArgs });
    await ok('import', makeBusyboxTarball(work, join(work, 'busybox.tar')), IMAGE);
    const ctx = join(work, 'exposing');
    mkdirSync(ctx);
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM ${IMAGE}\nEXPOSE 80 8080/udp\nCMD ["httpd", "-f", "-p", "80", "-h", "/var/www"]\n`,
    );
    await ok('build', '-t', EXPOSING, ctx);
  });

  after(async () => {
    if (daemon) {
      const ids = (await berth(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await berth(['rm', '-f', ...ids]);
      const nets = (await berth(['network', 'ls', '-q', '--filter', 'type=custom'])).stdout
        .split('\n')
        .filter(Boolean);
      if (nets.length) await berth(['network', 'rm', ...nets]);
      await daemon.stop();
    }
    // the default bridge and its rules are this test's (their name and subnet are its own)
    if (bridge) {
      if ((await hostLinks()).has(bridge)) await host('ip', 'link', 'del', bridge);
      await deleteRulesNaming([namePattern(bridge), ipPattern(defaultSubnet.split('/')[0]!)]);
    }
    if (work) rmSync(work, { recursive: true, force: true });
    await dirs?.cleanup();
  });

  it('-p 127.0.0.1::80 on the default bridge: berth port shows the random port, the host fetches through it', async () => {
    const trace = new HostTrace();
    await ok('run', '-d', '--name', 'web1', '-p', '127.0.0.1::80', IMAGE, ...HTTPD);
    const doc = await note('web1', trace);
    const ep = doc.NetworkSettings.Networks?.bridge;
    assert.ok(ep, 'on the default network');
    assert.ok(inSubnet(ep.IPAddress, defaultSubnet), `${ep.IPAddress} is in ${defaultSubnet}`);
    assert.equal(ep.Gateway, defaultGateway);
    assert.equal(ep.IPPrefixLen, 24);
    assert.equal(doc.NetworkSettings.IPAddress, ep.IPAddress);
    assert.equal(doc.NetworkSettings.Gateway, defaultGateway);
    const members = await host('ip', '-o', 'link', 'show', 'master', bridge);
    assert.ok(
      [...trace.veths].some((v) => members.includes(`: ${v}@`) || members.includes(`: ${v}:`)),
      `a veth of web1 is on ${bridge}:\n${members}`,
    );

    const all = await ok('port', 'web1');
    const m1 = /^80\/tcp -> 127\.0\.0\.1:(\d+)\n$/.exec(all);
    assert.ok(m1, `berth port web1 printed:\n${all}`);
    const port = m1[1]!;
    assert.equal(await ok('port', 'web1', '80'), `127.0.0.1:${port}\n`);
    assert.equal(await ok('container', 'port', 'web1', '80/tcp'), `127.0.0.1:${port}\n`);
    const none = await berth(['port', 'web1', '81']);
    assert.equal(none.code, 1);
    assert.equal(none.stdout, '');
    assert.equal(none.stderr, "Error: No public port '81' published for web1\n");
    assert.deepEqual(doc.NetworkSettings.Ports?.['80/tcp'], [{ HostIp: '127.0.0.1', HostPort: port }]);
    assert.equal(await fetchFromHost(`http://127.0.0.1:${port}/`), PAGE);
    assert.equal(
      await ok('ps', '--format', '{{.Ports}}', '--filter', 'name=web1'),
      `127.0.0.1:${port}->80/tcp\n`,
    );

    const net = await networkDoc('bridge');
    assert.equal(net.Driver, 'bridge');
    assert.equal(net.Options?.['com.docker.network.bridge.name'], bridge);
    assert.equal(net.IPAM.Config?.[0]?.Subnet, defaultSubnet);
    assert.equal(net.IPAM.Config?.[0]?.Gateway, defaultGateway);
    assert.equal(net.Containers?.[doc.Id]?.Name, 'web1');
    assert.equal(net.Containers?.[doc.Id]?.IPv4Address, `${ep.IPAddress}/24`);

    await ok('rm', '-f', 'web1');
    await assertGone(trace);
  });

  it('-p HOST:80 is reachable on 127.0.0.1 and the host address; a second container asking for the port is refused', async () => {
    const trace = new HostTrace();
    const port = await freePort();
    await ok('run', '-d', '--name', 'fixed1', '-p', `${port}:80`, IMAGE, ...HTTPD);
    await note('fixed1', trace);
    assert.ok((await ok('port', 'fixed1', '80')).split('\n').includes(`0.0.0.0:${port}`));
    assert.equal(await fetchFromHost(`http://127.0.0.1:${port}/`), PAGE);
    const own = ownHostAddress([defaultSubnet, `10.${m}.0.0/16`]);
    if (own) assert.equal(await fetchFromHost(`http://${own}:${port}/`), PAGE);

    const clash = await berth(['run', '-d', '--name', 'fixed2', '-p', `${port}:80`, IMAGE, ...HTTPD]);
    assert.equal(
      clash.code,
      125,
      `a second -p ${port}:80 should be refused:\n${clash.stdout}${clash.stderr}`,
    );
    assert.match(clash.stderr, new RegExp(`(?<!\\d)${port}(?!\\d)`), 'the error names the port');
    assert.match(clash.stderr, /port/i);
    assert.equal(await ok('ps', '-q', '--filter', 'name=fixed2'), '', 'fixed2 is not running');
    assert.equal(await fetchFromHost(`http://127.0.0.1:${port}/`), PAGE, 'fixed1 still serves');

    await removeContainers('fixed1', 'fixed2');
    await assertGone(trace);
  });

  it('-P publishes every port the image exposes, and --expose adds to them', async () => {
    const trace = new HostTrace();
    await ok('run', '-d', '--name', 'pall', '-P', '--expose', '9090', EXPOSING);
    const doc = await note('pall', trace);
    assert.equal(doc.HostConfig.PublishAllPorts, true);
    const lines = (await ok('port', 'pall')).trim().split('\n');
    for (const line of lines)
      assert.match(line, /^(80\/tcp|8080\/udp|9090\/tcp) -> (\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):\d+$/);
    for (const key of ['80/tcp', '8080/udp', '9090/tcp'])
      assert.ok(
        lines.some((l) => l.startsWith(`${key} -> `)),
        `${key} is published:\n${lines.join('\n')}`,
      );
    const web = /^80\/tcp -> (?:0\.0\.0\.0|127\.0\.0\.1):(\d+)$/m.exec(lines.join('\n'));
    assert.ok(web, 'port 80 is published on an IPv4 address');
    assert.equal(await fetchFromHost(`http://127.0.0.1:${web[1]}/`), PAGE);
    assert.match(await ok('port', 'pall', '8080/udp'), /^(\S+:\d+\n)+$/);
    await ok('rm', '-f', 'pall');
    await assertGone(trace);
  });

  it('network create --subnet --gateway --ip-range --label -o shows in inspect; containers get addresses from the range', async () => {
    const trace = new HostTrace();
    const id = (
      await ok(
        'network',
        'create',
        '--subnet',
        subnet(1),
        '--gateway',
        address(1, 254),
        '--ip-range',
        `10.${m}.1.128/25`,
        '--label',
        'team=a',
        '-o',
        'com.docker.network.driver.mtu=1400',
        'net-a',
      )
    ).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const doc = await networkDoc('net-a');
    assert.equal(doc.Name, 'net-a');
    assert.equal(doc.Id, id);
    assert.equal(doc.Driver, 'bridge');
    assert.equal(doc.Scope, 'local');
    assert.equal(doc.Internal, false);
    assert.equal(doc.IPAM.Config?.length, 1);
    assert.equal(doc.IPAM.Config[0]!.Subnet, subnet(1));
    assert.equal(doc.IPAM.Config[0]!.Gateway, address(1, 254));
    assert.equal(doc.IPAM.Config[0]!.IPRange, `10.${m}.1.128/25`);
    assert.equal(doc.Labels?.team, 'a');
    assert.equal(doc.Options?.['com.docker.network.driver.mtu'], '1400');
    assert.equal(
      await ok('network', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Scope}}', id.slice(0, 12)),
      'net-a bridge local\n',
    );

    await ok('run', '-d', '--name', 'ranged', '--network', 'net-a', IMAGE, 'sleep', '1000');
    const c = await note('ranged', trace);
    const ep = c.NetworkSettings.Networks?.['net-a'];
    assert.ok(ep && inSubnet(ep.IPAddress, `10.${m}.1.128/25`), `${ep?.IPAddress} is in the --ip-range`);
    assert.equal(ep.Gateway, address(1, 254));
    assert.equal(ep.NetworkID, id);
    assert.match(
      await ok('exec', 'ranged', 'busybox', 'ip', 'route'),
      new RegExp(`^default via 10\\.${m}\\.1\\.254 `, 'm'),
    );
    assert.match(await ok('exec', 'ranged', 'busybox', 'ip', '-o', 'link', 'show', 'eth0'), / mtu 1400 /);
    assert.ok(trace.bridges.size > 0, 'the bridge of net-a is on the host with its gateway address');

    const dup = await berth(['network', 'create', 'net-a']);
    assert.equal(dup.code, 125);
    assert.match(dup.stderr, /already exists/);
    const overlay = await berth(['network', 'create', '-d', 'overlay', 'net-o']);
    assert.equal(overlay.code, 125);
    assert.match(overlay.stderr, /"overlay" is not supported/);
    const v6 = await berth(['network', 'create', '--ipv6', 'net-6']);
    assert.equal(v6.code, 125);
    assert.match(v6.stderr, /--ipv6 is not supported/);
    const gw = await berth(['network', 'create', '--subnet', subnet(2), '--gateway', address(3, 1), 'net-g']);
    assert.equal(gw.code, 125);
    assert.match(gw.stderr, /no matching subnet for gateway/);
    const nope = await berth(['network', 'inspect', 'nope']);
    assert.equal(nope.code, 1);
    assert.equal(nope.stdout, '[]\n');
    assert.equal(nope.stderr, 'Error: No such network: nope\n');
    assert.doesNotMatch(await ok('network', 'ls', '--format', '{{.Name}}'), /net-[o6g]/);

    await ok('rm', '-f', 'ranged');
    assert.equal(await ok('network', 'rm', 'net-a'), 'net-a\n');
    await assertGone(trace);
  });

  it('containers on one network reach each other by name, alias and address; other networks cannot reach them', async () => {
    const trace = new HostTrace();
    await ok('network', 'create', '--subnet', subnet(2), 'net-b');
    await ok('network', 'create', '--subnet', subnet(3), 'net-c');
    await ok('run', '-d', '--name', 'web-b', '--network', 'net-b', '--network-alias', 'www', IMAGE, ...HTTPD);
    const doc = await note('web-b', trace);
    const ip = doc.NetworkSettings.Networks?.['net-b']?.IPAddress ?? '';
    assert.ok(inSubnet(ip, subnet(2)), `${ip} is in ${subnet(2)}`);
    assert.deepEqual(
      doc.NetworkSettings.Networks?.['net-b']?.Aliases?.filter((a) => a === 'www'),
      ['www'],
    );

    assert.equal(await wgetFrom('net-b', 'http://web-b/'), PAGE);
    assert.equal(await wgetFrom('net-b', 'http://www/'), PAGE);
    assert.equal(await wgetFrom('net-b', `http://${ip}/`), PAGE);
    for (const name of ['web-b', 'www']) {
      const r = await inNetwork('net-b', 'busybox', 'nslookup', name);
      assert.match(r.stdout, ipPattern(ip), `nslookup ${name} on net-b:\n${r.stdout}${r.stderr}`);
    }

    await wgetFails('net-c', `http://${ip}/`);
    await wgetFails('bridge', `http://${ip}/`);
    await wgetFails('net-c', 'http://web-b/');
    const ping = await inNetwork('net-c', 'busybox', 'ping', '-c1', '-W1', ip);
    assert.notEqual(ping.code, 0, 'net-c cannot ping a container of net-b');

    await ok('rm', '-f', 'web-b');
    assert.equal(await ok('network', 'rm', 'net-b', 'net-c'), 'net-b\nnet-c\n');
    await assertGone(trace);
  });

  it('an internal network has no default route and reaches nothing outside it', async () => {
    const trace = new HostTrace();
    await ok('network', 'create', '--internal', '--subnet', subnet(4), 'net-i');
    await ok('network', 'create', '--subnet', subnet(5), 'net-out');
    assert.equal((await networkDoc('net-i')).Internal, true);
    assert.match(
      await ok('network', 'ls', '--format', '{{.Name}} {{.Internal}}', '-f', 'name=net-i'),
      /^net-i true$/m,
    );
    const outside = ownHostAddress([defaultSubnet, `10.${m}.0.0/16`]);

    // an ordinary network, for comparison: a default route, and pings to its gateway and the host go through
    const routes = await inNetwork('net-out', 'busybox', 'ip', 'route');
    assert.match(routes.stdout, new RegExp(`^default via 10\\.${m}\\.5\\.1 `, 'm'), routes.stderr);
    assert.equal((await inNetwork('net-out', 'busybox', 'ping', '-c1', '-W1', address(5, 1))).code, 0);
    if (outside) assert.equal((await inNetwork('net-out', 'busybox', 'ping', '-c1', '-W1', outside)).code, 0);

    const internal = await inNetwork('net-i', 'busybox', 'ip', 'route');
    assert.equal(internal.code, 0, internal.stderr);
    assert.doesNotMatch(internal.stdout, /^default/m);
    assert.match(internal.stdout, new RegExp(`^10\\.${m}\\.4\\.0/24 dev eth0`, 'm'));
    const toOther = await inNetwork('net-i', 'busybox', 'ping', '-c1', '-W1', address(5, 1));
    assert.notEqual(toOther.code, 0, 'the gateway of another network is out of reach');
    const toDefault = await inNetwork('net-i', 'busybox', 'ping', '-c1', '-W1', defaultGateway);
    assert.notEqual(toDefault.code, 0, 'the default bridge is out of reach');
    if (outside) {
      const toHost = await inNetwork('net-i', 'busybox', 'ping', '-c1', '-W1', outside);
      assert.notEqual(toHost.code, 0, `the host's ${outside} is out of reach`);
    }

    await noteNetwork('net-i', trace);
    await noteNetwork('net-out', trace);
    assert.equal(await ok('network', 'rm', 'net-i', 'net-out'), 'net-i\nnet-out\n');
    await assertGone(trace);
  });

  it('--ip picks the address; connect adds eth1 and the name resolves there; disconnect takes it away; rm of a network in use fails', async () => {
    const trace = new HostTrace();
    await ok('network', 'create', '--subnet', subnet(6), 'net-p');
    await ok('network', 'create', '--subnet', subnet(7), 'net-q');
    await ok('run', '-d', '--name', 'pinned', '--network', 'net-p', '--ip', address(6, 77), IMAGE, ...HTTPD);
    const pinned = await note('pinned', trace);
    assert.equal(pinned.NetworkSettings.Networks?.['net-p']?.IPAddress, address(6, 77));
    assert.match(
      await ok('exec', 'pinned', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0'),
      new RegExp(`inet 10\\.${m}\\.6\\.77/24 `),
    );
    const taken = await berth([
      'run',
      '-d',
      '--name',
      'twin',
      '--network',
      'net-p',
      '--ip',
      address(6, 77),
      IMAGE,
      'sleep',
      '1000',
    ]);
    assert.equal(
      taken.code,
      125,
      `a second container with ${address(6, 77)} should be refused:\n${taken.stderr}`,
    );
    assert.equal(await ok('ps', '-q', '--filter', 'name=twin'), '');
    await removeContainers('twin');

    await ok('run', '-d', '--name', 'roamer', '--network', 'net-q', IMAGE, ...HTTPD);
    await wgetFails(
      'net-p',
      `http://${(await containerDoc('roamer')).NetworkSettings.Networks?.['net-q']?.IPAddress}/`,
    );
    assert.equal(
      await ok('network', 'connect', '--alias', 'rover', '--ip', address(6, 99), 'net-p', 'roamer'),
      '',
    );
    const roamer = await note('roamer', trace);
    assert.equal(roamer.NetworkSettings.Networks?.['net-p']?.IPAddress, address(6, 99));
    assert.ok(roamer.NetworkSettings.Networks?.['net-q'], 'still on net-q');
    const links = await ok('exec', 'roamer', 'busybox', 'ip', '-o', 'link');
    assert.match(links, /^\d+: eth1[@:]/m);
    assert.match(
      await ok('exec', 'roamer', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth1'),
      new RegExp(`inet 10\\.${m}\\.6\\.99/24 `),
    );
    assert.equal(await wgetFrom('net-p', 'http://roamer/'), PAGE);
    assert.equal(await wgetFrom('net-p', 'http://rover/'), PAGE);
    const looked = await inNetwork('net-p', 'busybox', 'nslookup', 'roamer');
    assert.match(
      looked.stdout,
      ipPattern(address(6, 99)),
      `nslookup roamer on net-p:\n${looked.stdout}${looked.stderr}`,
    );
    const fromRoamer = await ok(
      'exec',
      'roamer',
      'sh',
      '-c',
      'busybox timeout 10 wget -q -O - http://pinned/',
    );
    assert.equal(fromRoamer, PAGE, 'the newly connected container finds names of its new network');
    const net = await networkDoc('net-p');
    assert.equal(net.Containers?.[roamer.Id]?.IPv4Address, `${address(6, 99)}/24`);
    assert.equal(net.Containers?.[pinned.Id]?.Name, 'pinned');

    assert.equal(await ok('network', 'disconnect', 'net-p', 'roamer'), '');
    assert.doesNotMatch(await ok('exec', 'roamer', 'busybox', 'ip', '-o', 'link'), /^\d+: eth1[@:]/m);
    assert.equal((await containerDoc('roamer')).NetworkSettings.Networks?.['net-p'], undefined);
    assert.equal((await networkDoc('net-p')).Containers?.[roamer.Id], undefined);
    await wgetFails('net-p', `http://${address(6, 99)}/`);
    await wgetFails('net-p', 'http://roamer/');

    const busy = await berth(['network', 'rm', 'net-p']);
    assert.equal(busy.code, 1);
    assert.equal(busy.stdout, '');
    assert.match(busy.stderr, /^Error response from daemon: .*active endpoints/);
    assert.ok((await networkDoc('net-p')).Id, 'net-p is still there');
    await removeContainers('pinned', 'roamer');
    assert.equal(await ok('network', 'rm', 'net-p', 'net-q'), 'net-p\nnet-q\n');
    await assertGone(trace);
  });

  it('network ls lists the built-in and user networks; prune removes the unused ones', async () => {
    const trace = new HostTrace();
    const idle1 = (await ok('network', 'create', 'idle-1')).trim();
    await ok('network', 'create', '--label', 'tmp=yes', '--subnet', subnet(8), 'idle-2');
    await ok('network', 'create', '--subnet', subnet(9), 'busy');
    await ok('run', '-d', '--name', 'busy-c', '--network', 'busy', IMAGE, 'sleep', '1000');
    await note('busy-c', trace);
    for (const n of ['idle-1', 'idle-2']) await noteNetwork(n, trace);
    // a network created with no --subnet gets one from the daemon's pool
    assert.match((await networkDoc('idle-1')).IPAM.Config?.[0]?.Subnet ?? '', /^\d+\.\d+\.\d+\.\d+\/\d+$/);

    const table = await ok('network', 'ls');
    const [head, ...rows] = table.trimEnd().split('\n');
    assert.match(head!, /^NETWORK ID +NAME +DRIVER +SCOPE$/);
    for (const [name, driver] of [
      ['bridge', 'bridge'],
      ['host', 'host'],
      ['none', 'null'],
      ['idle-1', 'bridge'],
      ['idle-2', 'bridge'],
      ['busy', 'bridge'],
    ])
      assert.ok(
        rows.some((r) => new RegExp(`^[0-9a-f]{12} +${name} +${driver} +local$`).test(r)),
        `${name} (${driver}) in:\n${table}`,
      );
    const names = (await ok('network', 'ls', '--format', '{{.Name}}')).split('\n').filter(Boolean);
    const known = ['bridge', 'busy', 'host', 'idle-1', 'idle-2', 'none'];
    assert.deepEqual(
      names.filter((n) => known.includes(n)),
      known,
      'sorted by name',
    );
    for (const id of (await ok('network', 'ls', '-q')).trim().split('\n')) assert.match(id, /^[0-9a-f]{12}$/);
    assert.ok((await ok('network', 'ls', '-q', '--no-trunc')).split('\n').includes(idle1));
    assert.equal(await ok('network', 'ls', '--format', '{{.Name}}', '-f', 'name=idle'), 'idle-1\nidle-2\n');
    assert.equal(await ok('network', 'ls', '--format', '{{.Name}}', '-f', 'label=tmp=yes'), 'idle-2\n');
    assert.equal(
      await ok('network', 'ls', '--format', '{{.Name}}', '-f', 'type=builtin'),
      'bridge\nhost\nnone\n',
    );
    assert.equal(await ok('network', 'ls', '--format', '{{.Name}}', '-f', 'driver=null'), 'none\n');
    assert.doesNotMatch(
      await ok('network', 'ls', '--format', '{{.Name}}', '-f', 'type=custom'),
      /^(bridge|host|none)$/m,
    );
    const json = JSON.parse(await ok('network', 'ls', '--format', 'json', '-f', 'name=idle-2'));
    assert.equal(json.Name, 'idle-2');
    assert.equal(json.Driver, 'bridge');
    assert.equal(json.Labels, 'tmp=yes');
    assert.equal(json.Internal, 'false');
    assert.match(json.ID, /^[0-9a-f]{12}$/);

    const no = await berth(['network', 'prune'], 'n\n');
    assert.equal(no.code, 0);
    assert.match(
      no.stdout,
      /WARNING! This will remove all custom networks not used by at least one container\./,
    );
    assert.doesNotMatch(no.stdout, /Deleted Networks/);
    assert.ok((await networkDoc('idle-1')).Id, 'answering no removes nothing');
    assert.equal(
      await ok('network', 'prune', '-f', '--filter', 'label=tmp=yes'),
      'Deleted Networks:\nidle-2\n\n',
    );
    const yes = await berth(['network', 'prune'], 'y\n');
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, /Deleted Networks:\nidle-1\n\n$/);
    const left = (await ok('network', 'ls', '--format', '{{.Name}}')).split('\n');
    assert.ok(
      left.includes('busy') && left.includes('bridge') && left.includes('host') && left.includes('none'),
    );
    assert.ok(!left.includes('idle-1') && !left.includes('idle-2'));

    await ok('network', 'create', 'idle-3');
    const some = await berth(['network', 'rm', 'idle-3', 'nope']);
    assert.equal(some.code, 1);
    assert.equal(some.stdout, 'idle-3\n');
    assert.equal(some.stderr, 'Error: No such network: nope\n');
    assert.equal((await berth(['network', 'rm', '-f', 'nope'])).code, 0);

    await ok('rm', '-f', 'busy-c');
    await ok('network', 'rm', 'busy');
    await assertGone(trace);
  });

  it('--network container:NAME shares its network; none has only loopback; host is the host', async () => {
    const trace = new HostTrace();
    await ok('network', 'create', '--subnet', subnet(10), 'net-s');
    await ok('run', '-d', '--name', 'owner', '--network', 'net-s', IMAGE, 'sleep', '1000');
    const doc = await note('owner', trace);
    const ip = doc.NetworkSettings.Networks?.['net-s']?.IPAddress ?? '';
    assert.ok(inSubnet(ip, subnet(10)));
    const own = await ok('exec', 'owner', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0');
    const shared = await inNetwork('container:owner', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0');
    assert.equal(shared.code, 0, shared.stderr);
    assert.match(own, new RegExp(`inet ${ip.replace(/\./g, '\\.')}/24 `));
    assert.match(shared.stdout, new RegExp(`inet ${ip.replace(/\./g, '\\.')}/24 `));

    const none = await inNetwork('none', 'busybox', 'ip', '-o', 'link');
    assert.equal(none.code, 0, none.stderr);
    const noneLinks = none.stdout.trim().split('\n');
    assert.ok(noneLinks.length >= 1 && noneLinks.every((l) => /^\d+: lo[:@]/.test(l)), none.stdout);
    assert.match(none.stdout, /^\d+: lo: <[^>]*\bUP\b/, 'loopback is up, as in Docker');
    const hostNet = await inNetwork('host', 'busybox', 'ip', '-o', 'link');
    assert.match(
      hostNet.stdout,
      new RegExp(`^\\d+: ${bridge}[:@]`, 'm'),
      'the host network sees the host bridge',
    );

    await ok('rm', '-f', 'owner');
    await ok('network', 'rm', 'net-s');
    await assertGone(trace);
  });

  it('the docker CLI creates, lists, inspects and removes networks and publishes ports on berthd', {
    skip: findDocker() ? undefined : 'the docker CLI (docker) is not installed',
  }, async () => {
    const trace = new HostTrace();
    const docker = findDocker()!;
    const env = cleanEnv({ DOCKER_HOST: `unix://${dirs.socket}` });
    const d = async (...args: string[]) => {
      const r = await run(docker, args, { env, timeoutMs: 90_000 });
      assert.equal(r.code, 0, `docker ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    };
    assert.match(await d('network', 'create', '--subnet', subnet(11), 'dnet'), /^[0-9a-f]{64}\n$/);
    const names = (await d('network', 'ls', '--format', '{{.Name}}')).split('\n');
    assert.ok(names.includes('dnet') && names.includes('bridge'), names.join(' '));
    assert.equal(
      await d('network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', 'dnet'),
      `${subnet(11)}\n`,
    );
    await d('run', '-d', '--name', 'dweb', '--network', 'dnet', '-p', '127.0.0.1::80', IMAGE, ...HTTPD);
    await note('dweb', trace);
    const port = /^127\.0\.0\.1:(\d+)\n$/.exec(await d('port', 'dweb', '80'));
    assert.ok(port, 'docker port shows the mapping');
    assert.equal(await fetchFromHost(`http://127.0.0.1:${port[1]}/`), PAGE);
    const ip = (await d('inspect', '-f', '{{.NetworkSettings.Networks.dnet.IPAddress}}', 'dweb')).trim();
    assert.ok(inSubnet(ip, subnet(11)), ip);
    const busy = await run(docker, ['network', 'rm', 'dnet'], { env });
    assert.notEqual(busy.code, 0, 'dnet is in use');
    await d('rm', '-f', 'dweb');
    assert.equal(await d('network', 'rm', 'dnet'), 'dnet\n');
    await assertGone(trace);
  });

  it('after the daemon is SIGKILLed right after run -d -p, a new one keeps allocations and cleans up on rm -f and network rm', async () => {
    const trace = new HostTrace();
    await ok('network', 'create', '--subnet', subnet(12), 'net-k');
    await ok('run', '-d', '--name', 'crash', '--network', 'net-k', '-p', '127.0.0.1::80', IMAGE, ...HTTPD);
    process.kill(daemon.pid, 'SIGKILL');
    assert.equal((await daemon.exited).signal, 'SIGKILL');
    daemon = await TestDaemon.start({ root: dirs.root, state: dirs.state, args: daemonArgs });

    const crash = await note('crash', trace);
    const ip = crash.NetworkSettings.Networks?.['net-k']?.IPAddress ?? '';
    assert.ok(inSubnet(ip, subnet(12)), `crash kept its address: ${ip}`);
    await ok('run', '-d', '--name', 'crash2', '--network', 'net-k', IMAGE, 'sleep', '1000');
    const second = await note('crash2', trace);
    const ip2 = second.NetworkSettings.Networks?.['net-k']?.IPAddress ?? '';
    assert.ok(inSubnet(ip2, subnet(12)), ip2);
    assert.notEqual(ip2, ip, 'an address in use is not handed out again after the crash');
    assert.ok(
      trace.veths.size >= 2 && trace.bridges.size === 1,
      `traced ${[...trace.veths]} on ${[...trace.bridges]}`,
    );

    await ok('rm', '-f', 'crash', 'crash2');
    assert.equal(await ok('network', 'rm', 'net-k'), 'net-k\n');
    await assertGone(trace);
  });

  it('after rm -f of every container and network rm of every network, nothing of berth is left on the host', async () => {
    const ids = (await ok('ps', '-aq')).split('\n').filter(Boolean);
    if (ids.length) await ok('rm', '-f', ...ids);
    const nets = (await ok('network', 'ls', '-q', '--filter', 'type=custom')).split('\n').filter(Boolean);
    if (nets.length) await ok('network', 'rm', ...nets);
    assert.equal(await ok('network', 'ls', '--format', '{{.Name}}'), 'bridge\nhost\nnone\n');
    // the trace covers every test that ran: it must have seen something for this to mean anything
    assert.ok(everything.veths.size > 0, 'veths were traced');
    assert.ok(everything.bridges.size > 0, 'user bridges were traced');
    assert.ok(everything.ips.size > 0 && everything.subnets.size > 0, 'addresses and subnets were traced');
    await assertGone(everything);
    const members = await host('ip', '-o', 'link', 'show', 'master', bridge);
    assert.equal(members.trim(), '', `no veth is left on ${bridge}`);
  });
});
