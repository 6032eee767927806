// The few system calls Node has no API for: mknod (devices, fifos, overlay
// whiteouts) and the l*xattr family. Native code belongs to native/, and the
// attr package's setfattr/getfattr is not installed on a stock Debian, so
// berth runs one small helper process per operation that needs them: perl
// (perl-base is Essential on Debian and Ubuntu) calling the raw syscalls with
// its `syscall` builtin. Requests and replies are lines, strings hex-encoded;
// they are pipelined, so a layer with many whiteouts or a tree with many files
// costs one process, not one per file. The helper starts only when something
// needs it: the common path (files, directories, symlinks, hardlinks, and no
// xattrs) never spawns it. A native helper can replace this class later
// without its callers changing.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { BerthError, fromErrno } from '../util/errors.ts';

// Syscall numbers: x86-64's own table, and the generic table shared by arm64,
// riscv64 and loongarch64. Order: lsetxattr, lgetxattr, llistxattr, lremovexattr, mknodat.
const SYSCALLS: Record<string, number[]> = {
  x64: [189, 192, 195, 198, 259],
  arm64: [6, 9, 12, 15, 33],
  riscv64: [6, 9, 12, 15, 33],
  loong64: [6, 9, 12, 15, 33],
};

const SCRIPT = String.raw`
use strict;
my ($LSET, $LGET, $LLIST, $LRM, $MKNODAT) = @ARGV;
$| = 1;
sub uh { my $h = $_[0]; return pack('H*', $h) }
sub hx { return unpack('H*', $_[0]) }
sub lget {
  my ($p, $n) = @_;
  for (;;) {
    my $none = '';
    my $size = syscall($LGET, $p, $n, $none, 0);
    return undef if $size < 0;
    my $buf = "\0" x ($size + 1);
    my $r = syscall($LGET, $p, $n, $buf, $size + 1);
    return substr($buf, 0, $r) if $r >= 0;
    return undef unless $! == 34;
  }
}
while (my $line = <STDIN>) {
  chomp $line;
  my ($op, @f) = split /\t/, $line, -1;
  my $p = uh($f[0]);
  if ($op eq 'n') {
    if (syscall($MKNODAT, -100, $p, $f[1] + 0, $f[2] + 0) < 0) { print 'e ', $! + 0, "\n"; next }
    print "o\n";
  } elsif ($op eq 's') {
    my $n = uh($f[1]); my $v = uh($f[2]);
    if (syscall($LSET, $p, $n, $v, length($v), 0) < 0) { print 'e ', $! + 0, "\n"; next }
    print "o\n";
  } elsif ($op eq 'r') {
    my $n = uh($f[1]);
    if (syscall($LRM, $p, $n) < 0) { print 'e ', $! + 0, "\n"; next }
    print "o\n";
  } elsif ($op eq 'g') {
    my $v = lget($p, uh($f[1]));
    if (!defined $v) { print 'e ', $! + 0, "\n"; next }
    print 'o ', hx($v), "\n";
  } elsif ($op eq 'l') {
    my $none = '';
    my $size = syscall($LLIST, $p, $none, 0);
    if ($size < 0) { if ($! == 95) { print "o\n" } else { print 'e ', $! + 0, "\n" } next }
    my $buf = "\0" x ($size + 1);
    my $r = syscall($LLIST, $p, $buf, $size + 1);
    if ($r < 0) { print 'e ', $! + 0, "\n"; next }
    my @out;
    foreach my $n (split /\0/, substr($buf, 0, $r)) {
      next if $n eq '';
      my $v = lget($p, $n);
      next if !defined $v;
      push @out, hx($n) . '=' . hx($v);
    }
    print join(' ', 'o', @out), "\n";
  } else {
    print "e 22\n";
  }
}
`;

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

interface Pending {
  resolve: (fields: string[]) => void;
  reject: (err: Error) => void;
  doing: string;
}

export class SysHelper {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly pending: Pending[] = [];
  private outBuf = '';
  private queued: string[] = [];
  private failure: Error | undefined;
  private exited: Promise<void> | undefined;

  /** Create a device node, fifo or overlay whiteout; `mode` includes the file type bits. */
  async mknod(path: string, mode: number, major: number, minor: number): Promise<void> {
    await this.call(['n', hex(path), String(mode), String(encodeDev(major, minor))], `mknod ${path}`);
  }

  async setXattr(path: string, name: string, value: Buffer): Promise<void> {
    await this.call(['s', hex(path), hex(name), value.toString('hex')], `setting xattr ${name} on ${path}`);
  }

  /** One xattr's value, or undefined when the file does not have it. */
  async getXattr(path: string, name: string): Promise<Buffer | undefined> {
    try {
      const [v] = await this.call(['g', hex(path), hex(name)], `reading xattr ${name} of ${path}`);
      return Buffer.from(v ?? '', 'hex');
    } catch (err) {
      if ((err as { cause?: { code?: string } }).cause?.code === 'ENODATA') return undefined;
      throw err;
    }
  }

  async removeXattr(path: string, name: string): Promise<void> {
    await this.call(['r', hex(path), hex(name)], `removing xattr ${name} from ${path}`);
  }

  /** Every xattr of a path (not following a final symlink); empty where the filesystem has none. */
  async listXattrs(path: string): Promise<Map<string, Buffer>> {
    const fields = await this.call(['l', hex(path)], `listing xattrs of ${path}`);
    const out = new Map<string, Buffer>();
    for (const f of fields) {
      const eq = f.indexOf('=');
      out.set(Buffer.from(f.slice(0, eq), 'hex').toString('utf8'), Buffer.from(f.slice(eq + 1), 'hex'));
    }
    return out;
  }

  /** Stop the helper, if it was started. */
  async close(): Promise<void> {
    if (!this.child) return;
    this.child.stdin.end();
    await this.exited;
    this.child = undefined;
  }

  private call(fields: string[], doing: string): Promise<string[]> {
    if (this.failure) return Promise.reject(this.failure);
    this.start();
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject, doing });
      // Requests made in the same tick go out in one write.
      if (this.queued.length === 0) queueMicrotask(() => this.flush());
      this.queued.push(`${fields.join('\t')}\n`);
    });
  }

  private flush() {
    const text = this.queued.join('');
    this.queued = [];
    this.child?.stdin.write(text);
  }

  private start() {
    if (this.child) return;
    const numbers = SYSCALLS[process.arch];
    if (!numbers) {
      throw new BerthError(
        'NotImplemented',
        `device nodes and xattrs in layers are not supported on ${process.arch} yet (berth knows the syscall numbers of x64, arm64, riscv64 and loong64)`,
      );
    }
    const child = spawn('perl', ['-e', SCRIPT, ...numbers.map(String)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (text: string) => this.onData(text));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdin.on('error', () => {}); // reported through 'exit'/'error' below
    this.exited = new Promise((resolve) => {
      child.on('error', (err) => {
        this.fail(
          new BerthError(
            'NotImplemented',
            `cannot start perl, which berth uses for mknod and xattrs (${err.message}); install perl-base`,
          ),
        );
        resolve();
      });
      child.on('close', (code) => {
        this.fail(
          new BerthError('Internal', `the mknod/xattr helper stopped (exit ${code}): ${stderr.trim()}`),
        );
        resolve();
      });
    });
  }

  private onData(text: string) {
    this.outBuf += text;
    for (let nl = this.outBuf.indexOf('\n'); nl !== -1; nl = this.outBuf.indexOf('\n')) {
      const line = this.outBuf.slice(0, nl);
      this.outBuf = this.outBuf.slice(nl + 1);
      const p = this.pending.shift();
      if (!p) continue;
      const [status, ...rest] = line.split(' ');
      if (status === 'o') p.resolve(rest);
      else {
        const errno = Number(rest[0]);
        const code = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
        const err = Object.assign(new Error(`${code}`), { code, errno: -errno });
        p.reject(fromErrno(err, p.doing));
      }
    }
  }

  private fail(err: Error) {
    this.failure = err;
    for (const p of this.pending.splice(0)) p.reject(err);
  }
}

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

/** The kernel's dev_t encoding for mknodat (new_encode_dev). */
function encodeDev(major: number, minor: number): number {
  return ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)) >>> 0;
}
