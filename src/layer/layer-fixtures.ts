// Trees and tars the layer tests build on. The tree holds one of everything a
// layer can carry, with whole-second times, so a tar round trip keeps it exactly.
// Malicious tars are written with tar-stream, an implementation independent of
// berth's own tar code.
import {
  chmodSync,
  chownSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { SysHelper } from './sys-helper.ts';
import { collect, run } from './test-helpers.ts';

export const T0 = 1_600_000_000; // 2020-09-13, whole seconds

/** A capability set (v2) granting cap_net_raw: a binary xattr value, as images carry. */
export const CAP_NET_RAW = Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

export async function makeRichTree(dir: string): Promise<void> {
  const p = (rel: string) => join(dir, rel);
  mkdirSync(p('d1/sub'), { recursive: true });
  mkdirSync(p('tmp'));
  mkdirSync(p('sg'));
  writeFileSync(p('d1/a.txt'), 'hello layer\n');
  writeFileSync(p('d1/exec'), '#!/bin/sh\necho hi\n');
  writeFileSync(p('suid'), 'setuid program');
  writeFileSync(p('sgid'), 'setgid program');
  writeFileSync(p('owned'), 'belongs to 1001:1002');
  writeFileSync(p('empty'), '');
  // A big file crosses many chunks of every stream involved.
  const big = Buffer.alloc(3 * 1024 * 1024 + 123);
  for (let i = 0; i + 4 <= big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
  writeFileSync(p('big.bin'), big);
  const longDir = `${'long-directory-name-'.repeat(4)}x`;
  mkdirSync(p(longDir));
  writeFileSync(p(`${longDir}/${'a-very-long-file-name-'.repeat(8)}end`), 'long path');
  writeFileSync(p('café-ü.txt'), 'non-ASCII name');
  symlinkSync('/etc/passwd', p('abs-link'));
  symlinkSync('../d1/a.txt', p('tmp/rel-link'));
  symlinkSync('nowhere/at/all', p('dangling'));
  symlinkSync('d1', p('owned-link'));
  linkSync(p('d1/a.txt'), p('d1/sub/hard'));
  linkSync(p('d1/a.txt'), p('hard2'));
  run('mkfifo', [p('fifo')]);
  run('mknod', [p('null-dev'), 'c', '1', '3']);
  run('mknod', [p('block-dev'), 'b', '7', '200']);

  chmodSync(p('d1/exec'), 0o755);
  chmodSync(p('suid'), 0o4755);
  chmodSync(p('sgid'), 0o2755);
  chownSync(p('owned'), 1001, 1002);
  chmodSync(p('owned'), 0o640);
  chmodSync(p('tmp'), 0o1777);
  chownSync(p('sg'), 0, 50);
  chmodSync(p('sg'), 0o2775);
  writeFileSync(p('sg/inherits'), 'in a setgid directory, owned 0:0');
  chownSync(p('sg/inherits'), 0, 0);
  chownSync(p('d1/sub'), 1000, 1000);
  chmodSync(p('d1/sub'), 0o700);
  lchownSync(p('owned-link'), 1000, 1001);
  chmodSync(p('fifo'), 0o600);

  const sys = new SysHelper();
  try {
    await sys.setXattr(p('d1/a.txt'), 'user.note', Buffer.from('plain text'));
    await sys.setXattr(p('d1'), 'user.bin', Buffer.from([0xff, 0x00, 0x80, 0x0a, 0x3d]));
    await sys.setXattr(p('d1/exec'), 'security.capability', CAP_NET_RAW);
  } finally {
    await sys.close();
  }

  // Times last, deepest first, so nothing moves them afterwards.
  let t = T0;
  const files = [
    'd1/a.txt',
    'd1/exec',
    'suid',
    'sgid',
    'owned',
    'empty',
    'big.bin',
    `${longDir}/${'a-very-long-file-name-'.repeat(8)}end`,
    'café-ü.txt',
    'fifo',
    'null-dev',
    'block-dev',
    'sg/inherits',
    'abs-link',
    'tmp/rel-link',
    'dangling',
    'owned-link',
  ];
  for (const f of files) {
    lutimesSync(p(f), t, t + 7);
    t += 7;
  }
  for (const d of ['d1/sub', 'd1', 'tmp', 'sg', longDir]) {
    lutimesSync(p(d), t, t + 11);
    t += 11;
  }
}

export interface CraftEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

/** A tar written by tar-stream (names taken as given, `../` and all). */
export async function craftTar(entries: CraftEntry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const done = collect(pack as unknown as Readable);
  for (const e of entries) {
    const type = e.type ?? 'file';
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        {
          name: e.name,
          type,
          linkname: e.linkname,
          mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
          uid: e.uid ?? 0,
          gid: e.gid ?? 0,
          mtime: new Date((e.mtime ?? T0) * 1000),
        },
        type === 'file' ? Buffer.from(e.content ?? '') : '',
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }
  pack.finalize();
  return done;
}
