// The network commands and `berth port` against a stub Engine API on a unix socket:
// the requests they send and what they print for the answers Docker's daemon gives.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type OptionSpecs, parseCommandArgs } from '../args.ts';
import { Client } from '../client.ts';
import type { Command } from '../command.ts';
import {
  networkConnectCommand,
  networkCreateCommand,
  networkDisconnectCommand,
  networkInspectCommand,
  networkLsCommand,
  networkPruneCommand,
  networkRmCommand,
} from '../commands/network.ts';
import { portCommand } from '../commands/port.ts';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Answer = { status: number; body?: unknown };
type Route = (seen: Seen) => Answer | undefined;

const ID_A = 'a'.repeat(12) + '1'.repeat(52);
const ID_B = 'b'.repeat(12) + '2'.repeat(52);
const NETWORKS = [
  {
    Name: 'net10',
    Id: ID_A,
    Driver: 'bridge',
    Scope: 'local',
    Created: '2024-05-01T10:11:12Z',
    Labels: { team: 'a' },
  },
  {
    Name: 'net9',
    Id: ID_B,
    Driver: 'bridge',
    Scope: 'local',
    Created: '2024-05-01T10:11:12Z',
    Internal: true,
  },
  { Name: 'host', Id: 'c'.repeat(64), Driver: 'host', Scope: 'local', Created: '2024-05-01T10:11:12Z' },
];

describe('network commands and port against a stub daemon', () => {
  let dir: string;
  let socket: string;
  let server: Server;
  let seen: Seen[] = [];
  let routes: Route[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-network-cli-'));
    socket = join(dir, 'api.sock');
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (d) => {
        text += d;
      });
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://stub');
        const s: Seen = {
          method: req.method ?? '',
          path: url.pathname.replace(/^\/v[\d.]+/, ''),
          query: url.searchParams,
          body: text ? JSON.parse(text) : undefined,
        };
        seen.push(s);
        const answer = routes.map((r) => r(s)).find((a) => a !== undefined) ?? {
          status: 404,
          body: { message: `stub: no route for ${s.method} ${s.path}` },
        };
        res.writeHead(answer.status, { 'Content-Type': 'application/json' });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    seen = [];
    routes = [];
  });

  const on = (method: string, path: string, answer: Answer | ((s: Seen) => Answer)): void => {
    routes.push((s) =>
      s.method === method && s.path === path
        ? typeof answer === 'function'
          ? answer(s)
          : answer
        : undefined,
    );
  };

  // biome-ignore lint/suspicious/noExplicitAny: commands differ in their option types
  async function cli(command: Command<any>, argv: string[]) {
    const parsed = parseCommandArgs(argv, (command.options ?? {}) as OptionSpecs);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d) => {
      out += d;
    });
    stderr.on('data', (d) => {
      err += d;
    });
    const client = new Client(socket);
    let code: number | undefined;
    let thrown: unknown;
    try {
      code =
        (await command.run({
          name: command.name,
          options: parsed.options,
          args: parsed.positionals,
          globals: { debug: false },
          env: {},
          stdout,
          stderr,
          client: async () => client,
        })) ?? 0;
    } catch (e) {
      thrown = e;
    }
    return { code, out, err, thrown: thrown as (Error & { code?: string }) | undefined };
  }

  it('create sends the subnet, gateway, range, labels and options and prints the ID', async () => {
    on('POST', '/networks/create', { status: 201, body: { Id: ID_A, Warning: '' } });
    const r = await cli(networkCreateCommand, [
      '--subnet',
      '10.9.0.0/24',
      '--gateway=10.9.0.254',
      '--ip-range',
      '10.9.0.128/25',
      '--internal',
      '--attachable',
      '--label',
      'team=a',
      '-o',
      'com.docker.network.bridge.name=br-x',
      'n1',
    ]);
    assert.equal(r.thrown, undefined);
    assert.equal(r.out, `${ID_A}\n`);
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0]!.body, {
      Name: 'n1',
      CheckDuplicate: true,
      Driver: 'bridge',
      EnableIPv6: false,
      IPAM: {
        Driver: 'default',
        Config: [{ Subnet: '10.9.0.0/24', IPRange: '10.9.0.128/25', Gateway: '10.9.0.254' }],
        Options: {},
      },
      Internal: true,
      Attachable: true,
      Ingress: false,
      ConfigOnly: false,
      Options: { 'com.docker.network.bridge.name': 'br-x' },
      Labels: { team: 'a' },
    });
  });

  it('create refuses other drivers and --ipv6 before asking the daemon', async () => {
    const overlay = await cli(networkCreateCommand, ['-d', 'overlay', 'n1']);
    assert.equal(overlay.thrown?.code, 'InvalidArgument');
    assert.match(overlay.thrown!.message, /"overlay" is not supported/);
    const v6 = await cli(networkCreateCommand, ['--ipv6', 'n1']);
    assert.match(v6.thrown!.message, /--ipv6 is not supported/);
    assert.equal(seen.length, 0);
  });

  it('ls sorts by name naturally and prints the table, -q, --no-trunc, filters and json', async () => {
    on('GET', '/networks', { status: 200, body: NETWORKS });
    const table = await cli(networkLsCommand, []);
    assert.equal(
      table.out,
      'NETWORK ID     NAME      DRIVER    SCOPE\n' +
        `${'c'.repeat(12)}   host      host      local\n` +
        `${'b'.repeat(12)}   net9      bridge    local\n` +
        `${'a'.repeat(12)}   net10     bridge    local\n`,
    );
    const quiet = await cli(networkLsCommand, [
      '-q',
      '--no-trunc',
      '-f',
      'driver=bridge',
      '--filter',
      'label=team',
    ]);
    // the stub filters nothing: the daemon does
    assert.equal(quiet.out, `${'c'.repeat(64)}\n${ID_B}\n${ID_A}\n`);
    assert.deepEqual(JSON.parse(seen[1]!.query.get('filters')!), { driver: ['bridge'], label: ['team'] });
    const tpl = await cli(networkLsCommand, ['-q', '--format', '{{.Name}}={{.Internal}} {{.Labels}}']);
    assert.equal(tpl.out, 'host=false \nnet9=true \nnet10=false team=a\n');
    const json = await cli(networkLsCommand, ['--format', 'json']);
    assert.deepEqual(JSON.parse(json.out.split('\n')[0]!), {
      CreatedAt: '2024-05-01 10:11:12 +0000 UTC',
      Driver: 'host',
      ID: 'c'.repeat(12),
      IPv6: 'false',
      Internal: 'false',
      Labels: '',
      Name: 'host',
      Scope: 'local',
    });
  });

  it('inspect prints what it found, then "No such network" for the rest, exit 1', async () => {
    on('GET', '/networks/net9', { status: 200, body: NETWORKS[1] });
    on('GET', '/networks/broken', { status: 500, body: { message: 'it broke' } });
    const r = await cli(networkInspectCommand, ['net9', 'nope', 'broken']);
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.out), [NETWORKS[1]]);
    assert.match(r.out, /^\[\n {4}\{\n {8}"Name": "net9",/);
    assert.equal(r.err, 'Error: No such network: nope\nError response from daemon: it broke\n');
    const f = await cli(networkInspectCommand, ['-f', '{{.Name}} {{.Internal}}', 'net9']);
    assert.equal(f.out, 'net9 true\n');
    assert.equal(f.code, 0);
  });

  it('rm removes each network it can, prints the errors of the others and exits 1; -f hides missing ones', async () => {
    on('DELETE', '/networks/a', { status: 204 });
    on('DELETE', '/networks/busy', {
      status: 403,
      body: { message: 'error while removing network: network busy has active endpoints' },
    });
    on('DELETE', '/networks/c', { status: 204 });
    const r = await cli(networkRmCommand, ['a', 'busy', 'nope', 'c']);
    assert.equal(r.code, 1);
    assert.equal(r.out, 'a\nc\n');
    assert.equal(
      r.err,
      'Error response from daemon: error while removing network: network busy has active endpoints\n' +
        'Error: No such network: nope\n',
    );
    assert.deepEqual(
      seen.map((s) => `${s.method} ${s.path}`),
      ['DELETE /networks/a', 'DELETE /networks/busy', 'DELETE /networks/nope', 'DELETE /networks/c'],
    );
    const forced = await cli(networkRmCommand, ['-f', 'nope', 'a']);
    assert.equal(forced.code, 0);
    assert.equal(forced.out, 'a\n');
    assert.equal(forced.err, '');
  });

  it('connect and disconnect send the container, aliases, address and force', async () => {
    on('POST', '/networks/n1/connect', { status: 200 });
    on('POST', '/networks/n1/disconnect', { status: 200 });
    const c = await cli(networkConnectCommand, [
      '--alias',
      'db',
      '--alias',
      'sql',
      '--ip',
      '10.9.0.7',
      'n1',
      'web',
    ]);
    assert.equal(c.code, 0);
    assert.equal(c.out, '');
    assert.deepEqual(seen[0]!.body, {
      Container: 'web',
      EndpointConfig: { IPAMConfig: { IPv4Address: '10.9.0.7', IPv6Address: '' }, Aliases: ['db', 'sql'] },
    });
    const plain = await cli(networkConnectCommand, ['n1', 'web']);
    assert.equal(plain.code, 0);
    assert.deepEqual(seen[1]!.body, { Container: 'web', EndpointConfig: {} });
    const d = await cli(networkDisconnectCommand, ['-f', 'n1', 'web']);
    assert.equal(d.code, 0);
    assert.deepEqual(seen[2]!.body, { Container: 'web', Force: true });
    const bad = await cli(networkConnectCommand, ['--ip', '10.9.0', 'n1', 'web']);
    assert.match(bad.thrown!.message, /invalid --ip address "10\.9\.0"/);
    assert.equal(seen.length, 3);
    on('POST', '/networks/gone/connect', { status: 404, body: { message: 'network gone not found' } });
    const missing = await cli(networkConnectCommand, ['gone', 'web']);
    assert.match(missing.thrown!.message, /network gone not found/);
  });

  it('prune -f reports the deleted networks and passes the filters', async () => {
    on('POST', '/networks/prune', { status: 200, body: { NetworksDeleted: ['idle1', 'idle2'] } });
    const r = await cli(networkPruneCommand, ['-f', '--filter', 'label=tmp']);
    assert.equal(r.code, 0);
    assert.equal(r.out, 'Deleted Networks:\nidle1\nidle2\n\n');
    assert.deepEqual(JSON.parse(seen[0]!.query.get('filters')!), { label: ['tmp'] });
    routes = [];
    on('POST', '/networks/prune', { status: 200, body: { NetworksDeleted: null } });
    assert.equal((await cli(networkPruneCommand, ['-f'])).out, '');
  });

  it('port lists every mapping, one port’s addresses, and refuses an unpublished port with exit 1', async () => {
    on('GET', '/containers/web/json', {
      status: 200,
      body: {
        NetworkSettings: {
          Ports: {
            '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '32768' }],
            '8080/udp': [
              { HostIp: '0.0.0.0', HostPort: '32769' },
              { HostIp: '::', HostPort: '32769' },
            ],
            '443/tcp': null,
          },
        },
      },
    });
    on('GET', '/containers/nope/json', { status: 404, body: { message: 'No such container: nope' } });
    const all = await cli(portCommand, ['web']);
    assert.equal(all.out, '80/tcp -> 127.0.0.1:32768\n8080/udp -> 0.0.0.0:32769\n8080/udp -> [::]:32769\n');
    assert.equal((await cli(portCommand, ['web', '80'])).out, '127.0.0.1:32768\n');
    assert.equal((await cli(portCommand, ['web', '8080/udp'])).out, '0.0.0.0:32769\n[::]:32769\n');
    const unpublished = await cli(portCommand, ['web', '443']);
    assert.equal(unpublished.code, 1);
    assert.equal(unpublished.out, '');
    assert.equal(unpublished.err, "Error: No public port '443' published for web\n");
    const udp = await cli(portCommand, ['web', '80/udp']);
    assert.equal(udp.err, "Error: No public port '80/udp' published for web\n");
    const bad = await cli(portCommand, ['web', 'http']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^Error: invalid port \(http\)/);
    const missing = await cli(portCommand, ['nope']);
    assert.match(missing.thrown!.message, /No such container: nope/);
  });
});
