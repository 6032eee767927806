// A layer berth packs from a directory, stored as an image in berth's OCI
// layout, is unpacked by umoci (an independent implementation) to the same
// files, modes, owners, links and contents.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { importRootfs } from '../src/image/import-rootfs.ts';
import { openImageStore } from '../src/image/open.ts';
import { packDirectory } from '../src/layer/index.ts';
import { type Db, openDatabase } from '../src/util/sqlite.ts';
import { busyboxMissing, makeBusyboxRootfs } from './helpers/busybox.ts';

const skip = !existsSync('/usr/bin/umoci') ? 'umoci not installed (Debian package umoci)' : busyboxMissing();

/** path → "type mode uid:gid size/target/content-hash", hardlinked paths share an inode tag. */
function describeTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const inodes = new Map<number, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, p));
      const owner = `${st.uid}:${st.gid}`;
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.set(p, `link ${owner} -> ${readlinkSync(join(dir, p))}`);
      else if (st.isDirectory()) {
        out.set(p, `dir ${mode} ${owner}`);
        walk(p);
      } else {
        if (st.nlink > 1 && !inodes.has(st.ino)) inodes.set(st.ino, p);
        const first = inodes.get(st.ino) ?? p;
        const hash = createHash('sha256')
          .update(readFileSync(join(dir, p)))
          .digest('hex')
          .slice(0, 16);
        out.set(p, `file ${mode} ${owner} ${hash} linked-to:${first === p ? '-' : first}`);
      }
    }
  };
  walk('');
  return out;
}

let work: string;
let db: Db;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'berth-umoci-'));
});
after(() => {
  db?.close();
  rmSync(work, { recursive: true, force: true });
});

test('umoci unpacks a berth-packed layer to the same tree', { skip }, async () => {
  const src = makeBusyboxRootfs(join(work, 'src'));
  mkdirSync(join(src, 'opt/app/data'), { recursive: true });
  writeFileSync(join(src, 'opt/app/run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(src, 'opt/app/run.sh'), 0o4755);
  writeFileSync(join(src, 'opt/app/data/secret'), 'only the owner');
  chmodSync(join(src, 'opt/app/data/secret'), 0o600);
  execFileSync('chown', ['-R', '1000:1001', join(src, 'opt/app/data')]);
  chmodSync(join(src, 'tmp'), 0o1777);
  linkSync(join(src, 'opt/app/run.sh'), join(src, 'opt/app/run-again.sh'));
  symlinkSync('/opt/app/run.sh', join(src, 'bin/run'));
  writeFileSync(join(src, 'opt/empty'), '');

  db = openDatabase(join(work, 'berth.db'));
  const { store } = await openImageStore({ root: join(work, 'root'), db });
  await importRootfs(store, packDirectory(src), { name: 'interop:layer' });

  const bundle = join(work, 'bundle');
  execFileSync('umoci', [
    'unpack',
    '--image',
    `${store.content.root}:docker.io/library/interop:layer`,
    bundle,
  ]);
  const want = describeTree(src);
  const got = describeTree(join(bundle, 'rootfs'));
  assert.deepEqual([...got.entries()], [...want.entries()]);
});
