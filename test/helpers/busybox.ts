// The base image of berth's tests: a root filesystem made from Debian's
// busybox-static, as a directory and as a tarball.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BUSYBOX = '/bin/busybox';
const APPLETS = [
  'sh',
  'ls',
  'cat',
  'echo',
  'true',
  'false',
  'sleep',
  'env',
  'id',
  'mkdir',
  'rm',
  'touch',
  'httpd',
  'wget',
];

/** Why the busybox rootfs cannot be made here, or undefined when it can. */
export function busyboxMissing(): string | undefined {
  return existsSync(BUSYBOX) ? undefined : `${BUSYBOX} not found: install Debian's busybox-static`;
}

/** Write a small busybox root filesystem into `dir` (created if missing). */
export function makeBusyboxRootfs(dir: string): string {
  for (const d of ['bin', 'etc', 'tmp', 'root', 'var/www']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(BUSYBOX, join(dir, 'bin/busybox'));
  for (const a of APPLETS) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(
    join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
  );
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(dir, 'var/www/index.html'), 'hello from berth\n');
  return dir;
}

/** The busybox rootfs as a tarball at `file` (gzip when the name ends in .gz). */
export function makeBusyboxTarball(workDir: string, file: string): string {
  const rootfs = makeBusyboxRootfs(join(workDir, 'rootfs'));
  execFileSync('tar', [file.endsWith('.gz') ? '-czf' : '-cf', file, '--numeric-owner', '-C', rootfs, '.']);
  return file;
}
