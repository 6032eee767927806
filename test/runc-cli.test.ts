// berth-runc on the real kernel, as root, with a busybox bundle: runc's verbs, their
// output and exit codes, what a container sees, its limits, and bundles refused whole.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import AjvModule from 'ajv-draft-04';
import type { Spec } from '../src/runtime/spec/types.ts';
import { REPO } from './helpers/berth.ts';
import { busyboxMissing } from './helpers/busybox.ts';
import { BERTH_RUNC, dockerDefaultSeccomp, ensureRuncBuilt, makeBundle, runtimeCmd } from './helpers/runc.ts';

// ajv-draft-04 is CommonJS: its class is the default export's default.
const Ajv = AjvModule as unknown as typeof AjvModule.default;

const skip = process.getuid?.() !== 0 ? 'needs root' : busyboxMissing();
let work: string;
let root: string;
let n = 0;

const rc = (args: string[], cwd?: string) => runtimeCmd(BERTH_RUNC, root, args, { cwd });

function bundle(args: string[], edit?: (s: Spec) => void): string {
  return makeBundle(join(work, `b${++n}`), args, edit);
}

async function waitStatus(id: string, want: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 500; i++) {
    const r = rc(['state', id]);
    last = r.status === 0 ? (JSON.parse(r.stdout) as { status: string }).status : r.stderr;
    if (last === want) return last;
    await sleep(20);
  }
  return last;
}

function hostCgroupDir(id: string): string {
  return `/sys/fs/cgroup/pids/berth/${id}`;
}

describe('berth-runc', { skip }, () => {
  before(() => {
    ensureRuncBuilt();
    work = mkdtempSync(join(tmpdir(), 'berth-runc-test-'));
    root = join(work, 'state');
  });
  after(() => {
    for (const line of rc(['list', '-q']).stdout.split('\n').filter(Boolean)) rc(['delete', '-f', line]);
    rmSync(work, { recursive: true, force: true });
  });

  it('run prints the output and exits with the container status', async () => {
    const ok = rc(['run', 'r0'], bundle(['sh', '-c', 'echo hello from berth-runc']));
    assert.equal(ok.stderr, '');
    assert.equal(ok.stdout, 'hello from berth-runc\n');
    assert.equal(ok.status, 0);
    assert.equal(rc(['run', 'r3'], bundle(['sh', '-c', 'exit 3'])).status, 3);
    // pid 1 of a namespace cannot be killed from inside it: the signal comes from outside
    const killed = spawn(BERTH_RUNC, ['--root', root, 'run', 'r137'], {
      cwd: bundle(['sleep', '1000']),
      stdio: 'ignore',
    });
    const status = new Promise<number | null>((res) => killed.once('exit', (code) => res(code)));
    assert.equal(await waitStatus('r137', 'running'), 'running');
    assert.equal(rc(['kill', 'r137', 'SIGKILL']).status, 0);
    assert.equal(await status, 137);
    assert.equal(rc(['run', 'r127'], bundle(['no-such-program'])).status, 1);
    // a foreground run leaves nothing behind
    assert.equal(rc(['list', '-q']).stdout, '');
    assert.equal(existsSync(hostCgroupDir('r3')), false);
  });

  it('create, start, state, kill, delete go through created, running and stopped', async () => {
    const b = bundle(['sleep', '1000']);
    const pidFile = join(work, 'lc.pid');
    const created = rc(['create', '--bundle', b, '--pid-file', pidFile, 'lc']);
    assert.equal(created.status, 0, created.stderr);
    const st = JSON.parse(rc(['state', 'lc']).stdout);
    assert.equal(st.status, 'created');
    assert.equal(st.id, 'lc');
    assert.equal(st.bundle, b);
    assert.equal(String(st.pid), readFileSync(pidFile, 'utf8'));
    // nothing of berth's stays between create and start: the init waits alone, adopted by the
    // nearest subreaper, and is not running its command yet
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${st.pid}/status`, 'utf8'))![1]);
    const parent = readFileSync(`/proc/${ppid}/cmdline`, 'utf8');
    assert.doesNotMatch(parent, /berth-native|berth-runc/);
    assert.doesNotMatch(readFileSync(`/proc/${st.pid}/cmdline`, 'utf8'), /sleep/);
    assert.equal(rc(['start', 'lc']).status, 0);
    assert.equal(await waitStatus('lc', 'running'), 'running');
    const again = rc(['start', 'lc']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /cannot start an already running container/);
    const del = rc(['delete', 'lc']);
    assert.equal(del.status, 1);
    assert.match(del.stderr, /not stopped: running/);
    const list = rc(['list']).stdout;
    assert.match(list, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER\n/);
    assert.match(list, new RegExp(`lc\\s+${st.pid}\\s+running\\s+${b}`));
    assert.deepEqual(JSON.parse(rc(['ps', '--format', 'json', 'lc']).stdout), [st.pid]);
    const table = rc(['ps', 'lc']).stdout.trim().split('\n');
    assert.match(table[0], /^UID\s+PID\s+PPID/);
    assert.equal(table.length, 2);
    assert.match(table[1], new RegExp(`^\\S+\\s+${st.pid}\\s.*sleep 1000$`));
    assert.equal(rc(['kill', 'lc', 'KILL']).status, 0);
    assert.equal(await waitStatus('lc', 'stopped'), 'stopped');
    assert.equal(rc(['delete', 'lc']).status, 0);
    const gone = rc(['state', 'lc']);
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /does not exist/);
    assert.equal(existsSync(hostCgroupDir('lc')), false);
  });

  it('delete of a created container kills its waiting init', async () => {
    const b = bundle(['sleep', '1000']);
    assert.equal(rc(['create', '-b', b, 'dc']).status, 0);
    const pid = JSON.parse(rc(['state', 'dc']).stdout).pid as number;
    assert.equal(rc(['delete', 'dc']).status, 0);
    assert.equal(existsSync(join(root, 'dc')), false);
    for (
      let i = 0;
      i < 200 &&
      existsSync(`/proc/${pid}/stat`) &&
      !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');
      i++
    )
      await sleep(20);
    assert.ok(!existsSync(`/proc/${pid}/stat`) || readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'));
  });

  it('pause and resume freeze and thaw the container; kill --all and delete --force end it', async () => {
    assert.equal(rc(['run', '-d', 'pr'], bundle(['sleep', '1000'])).status, 0);
    assert.equal(await waitStatus('pr', 'running'), 'running');
    assert.equal(rc(['pause', 'pr']).status, 0);
    assert.equal(await waitStatus('pr', 'paused'), 'paused');
    assert.match(rc(['pause', 'pr']).stderr, /not running/);
    assert.equal(rc(['resume', 'pr']).status, 0);
    assert.equal(await waitStatus('pr', 'running'), 'running');
    assert.match(rc(['resume', 'pr']).stderr, /not paused/);
    assert.equal(rc(['kill', '--all', 'pr', 'KILL']).status, 0);
    assert.equal(await waitStatus('pr', 'stopped'), 'stopped');
    assert.equal(rc(['delete', 'pr']).status, 0);
    assert.equal(rc(['run', '-d', 'pf'], bundle(['sleep', '1000'])).status, 0);
    assert.equal(rc(['delete', '--force', 'pf']).status, 0);
    assert.equal(rc(['state', 'pf']).status, 1);
  });

  it('exec runs in the container: its pid, uts, net, ipc namespaces and cgroup', async () => {
    assert.equal(rc(['run', '-d', 'ex'], bundle(['sleep', '1000'])).status, 0);
    const pid = JSON.parse(rc(['state', 'ex']).stdout).pid as number;
    const r = rc([
      'exec',
      'ex',
      'sh',
      '-c',
      'for n in pid net uts ipc; do readlink /proc/self/ns/$n; done; hostname; exit 5',
    ]);
    assert.equal(r.status, 5, r.stderr);
    const want = ['pid', 'net', 'uts', 'ipc'].map((t) => readlinkSync(`/proc/${pid}/ns/${t}`));
    assert.deepEqual(r.stdout.trim().split('\n'), [...want, 'runc']);
    const env = rc([
      'exec',
      '-e',
      'FOO=bar',
      '--cwd',
      '/tmp',
      '-u',
      '65534:65534',
      'ex',
      'sh',
      '-c',
      'echo $FOO; pwd; id -u; id -g',
    ]);
    assert.equal(env.stdout, 'bar\n/tmp\n65534\n65534\n', env.stderr);
    writeFileSync(
      join(work, 'proc.json'),
      JSON.stringify({
        args: ['sh', '-c', 'echo from process.json'],
        cwd: '/',
        env: ['PATH=/bin'],
        user: { uid: 0, gid: 0 },
      }),
    );
    assert.equal(rc(['exec', '-p', join(work, 'proc.json'), 'ex']).stdout, 'from process.json\n');
    assert.equal(rc(['delete', '-f', 'ex']).status, 0);
  });

  it('every namespace is new; the process is pid 1 with the spec hostname', () => {
    const host = ['ipc', 'mnt', 'net', 'pid', 'uts'].map((t) => readlinkSync(`/proc/self/ns/${t}`));
    const r = rc(
      ['run', 'ns'],
      bundle([
        'sh',
        '-c',
        'for n in ipc mnt net pid uts; do readlink /proc/self/ns/$n; done; echo $$; hostname',
      ]),
    );
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 7, r.stderr);
    for (let i = 0; i < 5; i++) assert.notEqual(lines[i], host[i], `namespace ${lines[i]} is the host's`);
    assert.equal(lines[5], '1');
    assert.equal(lines[6], 'runc');
  });

  it('masked paths are unreadable and only fds 0-2 are open', () => {
    const r = rc(
      ['run', 'mk'],
      bundle(['sh', '-c', 'ls /proc/$$/fd; busybox wc -c < /proc/timer_list; ls /proc/acpi | busybox wc -l']),
    );
    assert.equal(r.stdout, '0\n1\n2\n0\n0\n', r.stderr);
  });

  it('a dropped capability fails: mknod and chown', () => {
    const r = rc(
      ['run', 'cap'],
      bundle([
        'sh',
        '-c',
        'busybox mknod /tmp/n c 1 3 || echo mknod-denied; touch /tmp/f; busybox chown 65534 /tmp/f || echo chown-denied',
      ]),
    );
    assert.match(r.stdout, /mknod-denied\n/);
    assert.match(r.stdout, /chown-denied\n/);
  });

  it("Docker's default seccomp profile denies unshare with EPERM", () => {
    const plain = rc(['run', 'sc0'], bundle(['sh', '-c', 'busybox unshare -U true && echo unshared']));
    assert.equal(plain.stdout, 'unshared\n', plain.stderr);
    const r = rc(
      ['run', 'sc1'],
      bundle(
        ['sh', '-c', 'grep "^Seccomp:" /proc/self/status; busybox unshare -U true'],
        dockerDefaultSeccomp,
      ),
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /^Seccomp:\s+2\n/);
    assert.match(r.stderr, /Operation not permitted/);
  });

  it('a memory limit OOM-kills and a pids limit stops forks', () => {
    const oom = rc(
      ['run', 'oom'],
      bundle(['busybox', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=256M', 'count=1'], (s) => {
        s.linux!.resources = {
          ...s.linux!.resources,
          memory: { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 },
        };
      }),
    );
    assert.equal(oom.status, 137, oom.stderr);
    const pids = rc(
      ['run', 'pids'],
      bundle(['sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait'], (s) => {
        s.linux!.resources = { ...s.linux!.resources, pids: { limit: 4 } };
      }),
    );
    assert.match(pids.stderr, /can't fork|Resource temporarily unavailable/);
  });

  it('update changes the limits of a running container', () => {
    assert.equal(rc(['run', '-d', 'up'], bundle(['sleep', '1000'])).status, 0);
    assert.equal(
      rc(['update', '--memory', '64m', '--pids-limit', '20', '--cpu-shares', '512', 'up']).status,
      0,
    );
    assert.equal(
      readFileSync('/sys/fs/cgroup/memory/berth/up/memory.limit_in_bytes', 'utf8').trim(),
      String(64 * 1024 * 1024),
    );
    assert.equal(readFileSync('/sys/fs/cgroup/pids/berth/up/pids.max', 'utf8').trim(), '20');
    assert.equal(readFileSync('/sys/fs/cgroup/cpu/berth/up/cpu.shares', 'utf8').trim(), '512');
    assert.equal(rc(['delete', '-f', 'up']).status, 0);
  });

  describe('bad bundles are refused, naming the field, leaving nothing behind', () => {
    const refused = (id: string, b: string, pattern: RegExp) => {
      const r = rc(['create', '-b', b, id]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, pattern);
      assert.equal(existsSync(join(root, id)), false, 'state directory left');
      assert.equal(existsSync(hostCgroupDir(id)), false, 'cgroup left');
    };
    it('missing rootfs', () => {
      const b = bundle(['true'], (s) => {
        s.root!.path = 'no-rootfs';
      });
      refused('bad1', b, /root\.path/);
    });
    it('invalid JSON', () => {
      const b = bundle(['true']);
      writeFileSync(join(b, 'config.json'), '{"ociVersion": ');
      refused('bad2', b, /config\.json/);
    });
    it('unknown namespace type', () => {
      const b = bundle(['true'], (s) => {
        s.linux!.namespaces!.push({ type: 'bogus' as 'pid' });
      });
      refused('bad3', b, /linux\.namespaces/);
    });
    it('a mount target escaping the rootfs', () => {
      const b = bundle(['true'], (s) => {
        s.mounts!.push({ destination: '/../../etc/escape', type: 'tmpfs', source: 'tmpfs' });
      });
      refused('bad4', b, /mounts\[\d+\]\.destination/);
    });
    it('a terminal without a console socket when detached', () => {
      const b = bundle(['true'], (s) => {
        s.process!.terminal = true;
      });
      refused('bad5', b, /cannot allocate tty if berth-runc will detach without setting console socket/);
    });
    it('an id in use', () => {
      const b = bundle(['sleep', '1000']);
      assert.equal(rc(['create', '-b', b, 'dup']).status, 0);
      const r = rc(['create', '-b', b, 'dup']);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /container with given ID already exists: dup/);
      assert.equal(rc(['delete', 'dup']).status, 0);
    });
  });

  it('spec, features, --version and refused flags', () => {
    const dir = mkdtempSync(join(work, 'spec-'));
    assert.equal(rc(['spec'], dir).status, 0);
    const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(spec.process.terminal, true);
    assert.match(rc(['spec'], dir).stderr, /exists/);
    assert.match(rc(['spec', '--rootless'], dir).stderr, /rootless/);
    const f = JSON.parse(rc(['features']).stdout);
    assert.equal(f.linux.seccomp.enabled, true);
    const schemas = join(REPO, '..', 'shared', 'conformance', 'oci-runtime-spec', 'schema');
    const ajv = new Ajv({ strict: false, allErrors: true });
    for (const name of readdirSync(schemas).filter(
      (x) => x.endsWith('.json') && x !== 'features-schema.json',
    )) {
      ajv.addSchema(JSON.parse(readFileSync(join(schemas, name), 'utf8')), name);
    }
    const valid = ajv.compile(JSON.parse(readFileSync(join(schemas, 'features-schema.json'), 'utf8')));
    assert.ok(valid(f), JSON.stringify(valid.errors));
    assert.match(rc(['--version']).stdout, /^berth-runc version [^\n]+\ncommit: [^\n]+\nspec: /);
    const sd = rc(['--systemd-cgroup', 'list']);
    assert.equal(sd.status, 1);
    assert.match(sd.stderr, /systemd cgroup driver is not supported; use cgroupfs/);
  });
});
