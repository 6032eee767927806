// buildCreateRequest against Docker's own CLI: for each set of flags, the body
// `docker create` (28.x) sends to a stand-in Engine API, or the error it prints,
// is compared with what berth builds. Zero values are left out on both sides (berth
// omits them, the daemon reads absent as zero), and lists whose order Docker
// loses (Env, Binds) are compared sorted. Skipped when no docker CLI 28 is on
// PATH. A second table lists where berth is stricter on purpose: Docker's CLI
// leaves those checks to its daemon, berth makes them before sending.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCommandArgs } from '../args.ts';
import { buildCreateRequest } from './create-request.ts';
import { CREATE_OPTIONS } from './run-options.ts';

function findDocker28(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const bin = join(dir, 'docker');
    try {
      const v = execFileSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      if (/version 28\./.test(v)) return bin;
    } catch {
      // not here
    }
  }
  return undefined;
}

const DOCKER = findDocker28();

/** Drop zero values as the request does, and order what Docker leaves unordered. */
function normalize(x: unknown, key = ''): unknown {
  if (Array.isArray(x)) {
    const items = x.map((v) => normalize(v));
    if (key === 'Env') return (items as string[]).filter((e) => e.includes('=')).sort();
    return key === 'Binds' ? [...items].sort() : items;
  }
  if (x && typeof x === 'object') {
    const out: [string, unknown][] = [];
    for (const [k, v] of Object.entries(x)) {
      const n = normalize(v, k);
      if (k === 'StopTimeout' || k === 'Init') {
        if (n !== null && n !== undefined) out.push([k, n]);
        continue;
      }
      if (k === 'ConsoleSize' || (k === 'MemorySwappiness' && n === -1)) continue;
      if (n === null || n === undefined || n === '' || n === 0 || n === false) continue;
      if (Array.isArray(n) && n.length === 0) continue;
      // An empty object is a value in a port or volume set ("80/tcp": {}), and nothing elsewhere.
      const isEmptyObject =
        typeof n === 'object' && !Array.isArray(n) && Object.keys(n as object).length === 0;
      if (isEmptyObject && !/^[0-9]+\/|^\//.test(k)) continue;
      out.push([k, n]);
    }
    return Object.fromEntries(out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return x;
}

let dir = '';
let server: Server | undefined;
let lastBody = '';

const ENV: Record<string, string> = { FOO_SET: 'from-env', HOME: '/root' };

function runDocker(args: string[]): Promise<{ ok: true; body: unknown } | { ok: false; message: string }> {
  lastBody = '';
  return new Promise((resolve) => {
    execFile(
      DOCKER!,
      ['create', ...args, 'img', 'cmd'],
      {
        cwd: dir,
        env: {
          ...ENV,
          PATH: process.env.PATH ?? '',
          DOCKER_HOST: `unix://${join(dir, 'engine.sock')}`,
          DOCKER_CONFIG: join(dir, 'docker-config'),
        },
      },
      (err, _stdout, stderr) => {
        if (err) resolve({ ok: false, message: stderr.split('\n')[0]!.replace(/^docker: /, '') });
        else resolve({ ok: true, body: JSON.parse(lastBody) });
      },
    );
  });
}

function berth(args: string[]): { ok: true; body: unknown } | { ok: false; message: string } {
  try {
    const parsed = parseCommandArgs([...args, 'img', 'cmd'], CREATE_OPTIONS, { stopAtFirstPositional: true });
    const plan = buildCreateRequest(parsed.options, parsed.positionals, ENV, (p) => readFileSync(p, 'utf8'), {
      cpus: 2,
      cwd: dir,
    });
    return { ok: true, body: JSON.parse(JSON.stringify(plan.request)) };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

const f = (name: string) => join(dir, name);

/** Flag sets where berth and Docker's CLI agree (the request, or the message). */
const SAME = (): string[][] => [
  ['-e', 'A=1', '-p', '8080:80', '-v', '/a:/b:ro', '-v', '/anon'],
  [
    '--add-host',
    'a=1.2.3.4',
    '--add-host',
    'b:[::1]',
    '--add-host',
    'c:::1',
    '--add-host',
    'd;e:host-gateway',
  ],
  ['--add-host', 'a:b:c'],
  ['--add-host', 'foo'],
  ['-v', './rel:/x', '-v', 'v1:/y:ro,nocopy', '-v', '/h:/z:rshared,Z'],
  ['-e', 'FOO_SET', '-e', 'X=', '-e', 'HOME', '-e', 'UNSET_X'],
  ['-e', '=x'],
  ['-l', 'a', '-l', 'b=c'],
  ['--label', ' a b=c'],
  ['--tmpfs', '/run:size=64m,mode=1777', '--tmpfs', '/a:rw:x', '--tmpfs', '/x'],
  ['--entrypoint', ''],
  ['--entrypoint', 'sh -c'],
  ['--stop-timeout', '0', '--init=false'],
  ['--stop-timeout', '5', '--init', '--stop-signal', 'SIGKILL'],
  ['--cpus', '1.5', '-m', '1.5g', '--memory-swap', '-1', '--shm-size', '64m', '--memory-reservation', '512k'],
  ['-m', '1x'],
  ['-m', '-1'],
  ['--memory-swap', '-2'],
  ['-m', '10 MB'],
  ['-m', '1.5.5'],
  ['--cpus', 'abc'],
  ['--cpus', '3/2'],
  ['--ulimit', 'nofile=1024:2048', '--ulimit', 'nproc=10', '--ulimit', 'nofile=5'],
  ['--ulimit', 'nofile=10:5'],
  ['--ulimit', 'nofile'],
  ['--ulimit', 'foo=1'],
  ['--ulimit', 'nofile=1:2:3'],
  ['--restart', 'on-failure:3'],
  ['--restart', ':3'],
  ['--restart', ''],
  ['--restart', 'on-failure:x'],
  [
    '--health-cmd',
    'curl x',
    '--health-interval',
    '1m30s',
    '--health-timeout',
    '500ms',
    '--health-retries',
    '3',
    '--health-start-period',
    '1h',
    '--health-start-interval',
    '2s',
  ],
  ['--no-healthcheck'],
  ['--no-healthcheck', '--health-cmd', 'x'],
  ['--health-interval', '5x'],
  ['--health-interval', '-5s'],
  ['--health-interval', '5'],
  ['--network', 'mynet', '--network-alias', 'a1', '--ip', '10.0.0.5'],
  ['--network', 'host', '--network-alias', 'a1'],
  ['--net', 'mynet'],
  ['--network', 'mynet', '--network', 'other'],
  ['--network', 'name=My,alias=X'],
  ['--network-alias', 'foo'],
  ['--network', 'container:abc'],
  ['--network', 'none', '--ip', '1.2.3.4'],
  ['--network', 'mynet', '--network', 'host'],
  ['--network', 'a', '--network', 'a'],
  ['--network', 'name=a,foo=b'],
  ['-it'],
  ['-a', 'stdin', '-a', 'STDOUT'],
  ['-t', '-a', 'stderr'],
  ['-a', 'foo'],
  ['-p', '1-3:1-2'],
  ['--rm', '--restart', 'always'],
  ['--rm', '--restart', 'no'],
  [
    '-p',
    '80',
    '-p',
    '8080:80',
    '-p',
    '127.0.0.1:8081:81',
    '-p',
    '127.0.0.1::82/udp',
    '-p',
    '8000-8002:90-92',
    '-p',
    '[::1]:83:83',
    '-p',
    '7000-7010:84',
    '-p',
    'published=9000,target=9001,protocol=udp',
  ],
  ['-p', 'notip:80:80/foo'],
  ['-p', '80/TCP'],
  ['-p', '80/Foo'],
  ['-p', '65536'],
  ['-p', '1:2:3:4'],
  ['-p', 'published=1,target'],
  ['-p', ''],
  ['--expose', '80-82/tcp', '--expose', '90/udp', '--expose', '100/Foo'],
  ['--expose', ''],
  ['--expose', '70000'],
  ['--expose', '80-70'],
  ['--mount', 'type=bind,src=/a"b,dst=/c'],
  ['--mount', 'type=bind,"src=/a,b",dst=/c'],
  ['--mount', 'type=bind,"src=/a"x,dst=/c'],
  ['--mount', 'Type=BIND,Source=/a,Target=/b,READONLY,bind-propagation=RSHARED,consistency=Cached'],
  [
    '--mount',
    'type=volume,src=v,dst=/d,volume-nocopy,volume-label=a=b,volume-label=c,volume-driver=local,volume-opt=o=1,volume-subpath=sub',
  ],
  ['--mount', 'type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770,ro=false'],
  ['--mount', 'dst=/anon'],
  ['--mount', 'type=bind,src=.,dst=/x', '--mount', 'type=bind,src=./sub,dst=/y'],
  ['--mount', 'type=bind,src=/a,dst=/b,bind-recursive=readonly,readonly'],
  ['--mount', 'type=bind,src=/a,dst=/b,bind-recursive=foo'],
  ['--mount', 'type=bind,src=/a,dst=/b,bind-nonrecursive'],
  ['--mount', 'type=bind,src=/a,dst=/b,foo'],
  ['--mount', 'type=,dst=/b'],
  ['--mount', 'type=bind,src=/a'],
  ['--mount', 'type=bind,source=/a,target=/b,readonly=maybe'],
  ['--mount', ''],
  ['--mount', 'type=volume,src=v,dst=/d,volume-nocopy,bind-propagation=shared'],
  ['--mount', 'type=tmpfs,dst=/b,tmpfs-mode=999'],
  ['--cap-add', 'net_admin', '--cap-add', 'CAP_SYS_ADMIN', '--cap-drop', 'all'],
  ['--cap-add', 'b', '--cap-add', 'a', '--cap-drop', 'a', '--cap-drop', 'c'],
  ['--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'kernel.shmmax=5'],
  ['--userns', 'private'],
  ['--uts', 'private'],
  ['--pid', 'container:'],
  ['--pid', 'host', '--uts', 'host', '--userns', 'host', '--cgroupns', 'private'],
  ['--cgroupns', 'foo'],
  [
    '--security-opt',
    'seccomp=unconfined',
    '--security-opt',
    'no-new-privileges',
    '--security-opt',
    'label=disable',
    '--security-opt',
    'apparmor:foo',
    '--security-opt',
    'systempaths=unconfined',
  ],
  ['--security-opt', 'foo'],
  ['--security-opt', `seccomp=${f('prof.json')}`],
  ['--security-opt', `seccomp:${f('prof.json')}`],
  ['--security-opt', `seccomp=${f('nonexist.json')}`],
  [
    '--dns-search',
    'example.com',
    '--dns',
    '8.8.8.8',
    '--dns',
    '  ::1 ',
    '--dns-option',
    'ndots:2',
    '--group-add',
    'audio',
  ],
  ['--dns-search', 'not valid!'],
  ['--dns', '0:0::1'],
  ['--log-driver', 'json-file', '--log-opt', 'max-size=10m', '--log-opt', 'foo'],
  ['--log-driver', 'none', '--log-opt', 'a=b'],
  ['--device', '/dev/sda:/dev/xvdc:rwm', '--device', '/dev/null', '--device', '/dev/zero:r'],
  ['--device', 'relative'],
  ['--device', '/dev/a:/dev/b:rwx'],
  ['--device', '/dev/a/../b:/dev/c/./d'],
  ['--device-cgroup-rule', 'c 1:3 mr'],
  ['--device-cgroup-rule', 'bad'],
  [
    '--blkio-weight',
    '300',
    '--oom-score-adj',
    '-500',
    '--pids-limit',
    '100',
    '--cpuset-cpus',
    '0-1',
    '--runtime',
    'runc',
    '--privileged',
    '--read-only',
    '-P',
    '--cgroup-parent',
    '/foo',
    '--oom-kill-disable',
    '--memory-swappiness',
    '0',
  ],
  ['--blkio-weight', '70000'],
  ['--memory-swappiness', '101'],
  ['--env-file', f('env1'), '--label-file', f('labels1'), '-e', 'Z=9'],
  ['--env-file', f('badenv')],
  ['--env-file', f('nonexistent')],
  ['--memory-swap', '2g', '-m', '1g'],
  ['-h', 'myhost', '--domainname', 'example.org', '-u', '1000:1000', '-w', '/srv', '--name', 'web'],
  ['--volumes-from', 'other:ro', '--link', 'a:b'],
  ['-v', ''],
  ['-v', '/a::/b'],
  ['-v', ':/b'],
  ['--pull', 'sometimes'],
];

/** Where berth refuses what Docker's CLI sends on (its daemon refuses most of these). */
const STRICTER = (): [string[], string][] => [
  [['-m', '1KiB'], 'Minimum memory limit allowed is 6MB'],
  [['-v', 'a:b:c:d'], "invalid volume specification: 'a:b:c:d'"],
  [['-v', '/a:/b:zz'], 'invalid mode: zz'],
  [
    ['-v', '/a:/'],
    "invalid volume specification: '/a:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'",
  ],
  [
    ['--restart', 'always:3'],
    "invalid restart policy: maximum retry count can only be used with 'on-failure'",
  ],
  [['--cpus', '3'], 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
  [
    ['--ip', 'notip'],
    'invalid argument "notip" for "--ip" flag: invalid string being converted to IP address: notip',
  ],
];

describe('buildCreateRequest matches docker create (28.x)', {
  skip: DOCKER ? false : 'no docker CLI 28 on PATH',
}, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-parity-'));
    mkdirSync(join(dir, 'docker-config'));
    writeFileSync(f('env1'), 'A=1\n# c\n\n  B= x \nFOO_SET\nUNSET_VAR\nQ="quoted"\r\n\uFEFFX=1\n');
    writeFileSync(f('labels1'), 'l1=v\nl2\n');
    writeFileSync(f('badenv'), 'a b=c\n');
    writeFileSync(f('prof.json'), '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": [ ]\n}\n');
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        res.setHeader('Api-Version', '1.47');
        res.setHeader('Ostype', 'linux');
        res.setHeader('Content-Type', 'application/json');
        if (req.url === '/_ping') return res.end('OK');
        if (new URL(req.url ?? '/', 'http://engine').pathname.endsWith('/containers/create')) {
          lastBody = body;
          return res.end(JSON.stringify({ Id: 'f'.repeat(64), Warnings: [] }));
        }
        res.statusCode = 404;
        res.end(JSON.stringify({ message: `not here: ${req.url}` }));
      });
    });
    await new Promise<void>((resolve) => server!.listen(join(dir, 'engine.sock'), resolve));
  });
  after(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('builds the request Docker builds, or fails with its message', async () => {
    const diffs: string[] = [];
    for (const args of SAME()) {
      const docker = await runDocker(args);
      const ours = berth(args);
      const a = docker.ok ? JSON.stringify(normalize(docker.body)) : `error: ${docker.message}`;
      const b = ours.ok ? JSON.stringify(normalize(ours.body)) : `error: ${ours.message}`;
      if (a !== b) diffs.push(`${JSON.stringify(args)}\n  docker: ${a}\n  berth:  ${b}`);
    }
    assert.deepEqual(diffs, []);
  });

  it('refuses, with the daemon words, what Docker leaves to its daemon', async () => {
    for (const [args, message] of STRICTER()) {
      const docker = await runDocker(args);
      assert.equal(docker.ok, true, `docker create ${args.join(' ')} is expected to pass its CLI`);
      assert.deepEqual(berth(args), { ok: false, message });
    }
  });
});
