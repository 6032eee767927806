import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ContainerSummary, psQuery, psRow, renderPs } from './ps-format.ts';

process.env.TZ = 'UTC';

const NOW = Date.UTC(2026, 10, 28, 23, 41, 10);
const at = (secondsAgo: number) => NOW / 1000 - secondsAgo;
const IMAGE_ID = 'sha256:aaaabbbbccccddddeeeeffff00001111222233334444555566667777888899990';

const WEB: ContainerSummary = {
  Id: '4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2',
  Names: ['/web', '/other/alias'],
  Image: 'nginx:latest',
  ImageID: IMAGE_ID,
  ImageManifestDescriptor: { platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
  Command: "/docker-entrypoint.sh nginx -g 'daemon off;'",
  Created: at(3700),
  Ports: [
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
  ],
  SizeRw: 0,
  SizeRootFs: 4261234,
  Labels: { b: '2', a: '1', 'com.example': 'x=y' },
  State: 'running',
  Status: 'Up About an hour (healthy)',
  NetworkSettings: { Networks: { bridge: {}, alpha: {} } },
  Mounts: [
    { Type: 'volume', Name: '0123456789abcdef0123456789abcdef', Source: '/var/lib/x/_data', Driver: 'local' },
    { Type: 'bind', Source: '/host/path', Destination: '/b' },
  ],
};
const SLEEPY: ContainerSummary = {
  Id: 'b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3',
  Names: ['/sleepy'],
  Image: IMAGE_ID,
  ImageID: IMAGE_ID,
  Command: 'sleep 1',
  Created: at(5),
  Ports: [],
  Labels: {},
  State: 'exited',
  Status: 'Exited (0) 3 seconds ago',
  NetworkSettings: { Networks: {} },
  Mounts: [],
};
const X: ContainerSummary = {
  Id: 'c3',
  Names: ['/x'],
  Image: 'docker.io/library/busybox@sha256:1111111111111111111111111111111111111111111111111111111111111111',
  ImageID: 'sha256:9999',
  Command: '',
  Created: at(90),
  Ports: null,
  Labels: null,
  State: 'created',
  Status: 'Created',
  NetworkSettings: null,
  Mounts: null,
};
const ALL = [WEB, SLEEPY, X];

// Each expectation is what Docker 28's `docker ps` printed for the same list.
describe('renderPs', () => {
  it('prints the default table', () => {
    assert.deepEqual(renderPs(ALL, { now: NOW }), {
      text:
        'CONTAINER ID   IMAGE          COMMAND                  CREATED              STATUS                       PORTS                                     NAMES\n' +
        '4fa6e0f0c678   nginx:latest   "/docker-entrypoint.…"   About an hour ago    Up About an hour (healthy)   0.0.0.0:8080->80/tcp, [::]:8080->80/tcp   web\n' +
        'b2c3d4e5f6a7   aaaabbbbcccc   "sleep 1"                5 seconds ago        Exited (0) 3 seconds ago                                               sleepy\n' +
        'c3             busybox        ""                       About a minute ago   Created                                                                x\n',
      warnings: [],
    });
  });
  it('adds SIZE with -s', () => {
    const lines = renderPs(ALL, { now: NOW, size: true }).text.split('\n');
    assert.match(lines[0]!, /NAMES {5}SIZE$/);
    assert.match(lines[1]!, /web {7}0B \(virtual 4\.26MB\)$/);
    assert.match(lines[2]!, /sleepy {4}0B$/);
  });
  it('prints everything whole with --no-trunc', () => {
    const text = renderPs([WEB, X], {
      now: NOW,
      noTrunc: true,
      format: '{{.ID}}|{{.Image}}|{{.Command}}|{{.Names}}|{{.Mounts}}',
    }).text;
    assert.equal(
      text,
      `${WEB.Id}|nginx:latest|"/docker-entrypoint.sh nginx -g 'daemon off;'"|web,other/alias|0123456789abcdef0123456789abcdef,/host/path\n` +
        `c3|${X.Image}|""|x|\n`,
    );
  });
  it('prints only IDs with -q, warning about a --format it ignores', () => {
    assert.deepEqual(renderPs(ALL, { now: NOW, quiet: true }), {
      text: '4fa6e0f0c678\nb2c3d4e5f6a7\nc3\n',
      warnings: [],
    });
    assert.deepEqual(renderPs([X], { now: NOW, quiet: true, format: 'json' }), {
      text: 'c3\n',
      warnings: ['Ignoring custom format, because both --format and --quiet are set.'],
    });
  });
  it('prints one JSON object per line with Docker keys and escaping', () => {
    const { text } = renderPs([WEB, SLEEPY], { now: NOW, format: 'json' });
    assert.equal(
      text,
      '{"Command":"\\"/docker-entrypoint.…\\"","CreatedAt":"2026-11-28 22:39:30 +0000 UTC","ID":"4fa6e0f0c678",' +
        '"Image":"nginx:latest","Labels":"a=1,b=2,com.example=x=y","LocalVolumes":"1","Mounts":"0123456789abcd…,/host/path",' +
        '"Names":"web","Networks":"alpha,bridge","Platform":{"architecture":"arm64","os":"linux","variant":"v8"},' +
        '"Ports":"0.0.0.0:8080-\\u003e80/tcp, [::]:8080-\\u003e80/tcp","RunningFor":"About an hour ago",' +
        '"Size":"0B (virtual 4.26MB)","State":"running","Status":"Up About an hour (healthy)"}\n' +
        '{"Command":"\\"sleep 1\\"","CreatedAt":"2026-11-28 23:41:05 +0000 UTC","ID":"b2c3d4e5f6a7","Image":"aaaabbbbcccc",' +
        '"Labels":"","LocalVolumes":"0","Mounts":"","Names":"sleepy","Networks":"","Platform":null,"Ports":"",' +
        '"RunningFor":"5 seconds ago","Size":"0B","State":"exited","Status":"Exited (0) 3 seconds ago"}\n',
    );
  });
  it('prints a table of chosen columns, with .Label headed by its last part', () => {
    const format =
      'table {{.ID}}\\t{{.Mounts}}\\t{{.CreatedAt}}\\t{{.State}}\\t{{.Labels}}\\t{{.LocalVolumes}}\\t{{.Label "com.example"}}\\t{{.Label "my-label_x"}}\\t{{.Platform}}';
    assert.equal(
      renderPs([WEB, SLEEPY], { now: NOW, format }).text,
      'CONTAINER ID   MOUNTS                       CREATED AT                      STATE     LABELS                    LOCAL VOLUMES   example   my label x   PLATFORM\n' +
        '4fa6e0f0c678   0123456789abcd…,/host/path   2026-11-28 22:39:30 +0000 UTC   running   a=1,b=2,com.example=x=y   1               x=y                    linux/arm64/v8\n' +
        'b2c3d4e5f6a7                                2026-11-28 23:41:05 +0000 UTC   exited                              0                                      <nil>\n',
    );
  });
  it('applies a plain template to each container', () => {
    assert.equal(
      renderPs(ALL, { now: NOW, format: '{{.Names}}: {{.Status}} {{.Label "a" | printf "%q"}}' }).text,
      'web: Up About an hour (healthy) "1"\nsleepy: Exited (0) 3 seconds ago ""\nx: Created ""\n',
    );
    assert.equal(renderPs([X], { now: NOW, format: '  {{.ID}}  ' }).text, 'c3\n');
    assert.equal(renderPs([X], { now: NOW, format: 'tablex {{.ID}}' }).text, 'x CONTAINER ID\nx c3\n');
  });
  it('prints the raw format', () => {
    assert.equal(
      renderPs([SLEEPY], { now: NOW, format: 'raw', size: true }).text,
      'container_id: b2c3d4e5f6a7\nimage: aaaabbbbcccc\ncommand: "sleep 1"\ncreated_at: 2026-11-28 23:41:05 +0000 UTC\n' +
        'state: exited\nstatus: Exited (0) 3 seconds ago\nnames: sleepy\nlabels:\nports:\nsize: 0B\n\n',
    );
  });
  it('prints the header alone for no containers', () => {
    assert.equal(
      renderPs([], { now: NOW }).text,
      'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n',
    );
  });
});

describe('psRow', () => {
  it('shortens images as Docker does', () => {
    const image = (Image: string, ImageID = 'sha256:1234') =>
      psRow({ Id: 'a', Created: 0, Image, ImageID }, { trunc: true, now: 0 }).Image;
    assert.equal(image('localhost:5000/team/app:v1@sha256:' + '2'.repeat(64)), 'localhost:5000/team/app:v1');
    assert.equal(image('docker.io/user/app'), 'user/app');
    assert.equal(
      image('4fa6e0f0c678', 'sha256:4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2'),
      '4fa6e0f0c678',
    );
    assert.equal(image(''), '<no image>');
  });
  it("quotes and cuts the command as Go's strconv.Quote and Docker's Ellipsis", () => {
    const row = psRow({ Id: 'a', Created: 0, Command: 'echo "hi"\ttab' }, { trunc: true, now: 0 });
    assert.equal(row.Command, '"echo \\"hi\\"\\ttab"');
    assert.equal(
      psRow({ Id: 'a', Created: 0, Command: 'x'.repeat(21) }, { trunc: true, now: 0 }).Command,
      `"${'x'.repeat(19)}…"`,
    );
  });
  it('names a container by its own name, not a link alias', () => {
    assert.equal(
      psRow({ Id: 'a', Created: 0, Names: ['/linked/alias', '/main'] }, { trunc: true, now: 0 }).Names,
      'main',
    );
  });
});

describe('psQuery', () => {
  // What Docker 28's CLI asks GET /containers/json for.
  it('builds the query as Docker does', () => {
    assert.deepEqual(psQuery({}), { all: undefined, limit: undefined, size: undefined, filters: undefined });
    assert.deepEqual(psQuery({ all: true, last: 3, filters: '{"status":{"exited":true}}' }), {
      all: '1',
      limit: '3',
      size: undefined,
      filters: '{"status":{"exited":true}}',
    });
    assert.equal(psQuery({ latest: true }).limit, '1');
    assert.equal(psQuery({ latest: true, last: 2 }).limit, '2');
    assert.equal(psQuery({ last: 0 }).limit, undefined);
    assert.equal(psQuery({ format: '{{.Size}}' }).size, '1');
    assert.equal(psQuery({ format: '{{.Size}}', quiet: true }).size, undefined);
    assert.equal(psQuery({ format: '{{.Size}}', size: false }).size, undefined);
    assert.equal(psQuery({ format: 'json' }).size, undefined);
    assert.equal(psQuery({ size: true, quiet: true }).size, '1');
  });
});
