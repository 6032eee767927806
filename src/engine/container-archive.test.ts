import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { END_OF_ARCHIVE, encodeHeader, padding, type TarHeader } from '../layer/tar-header.ts';
import { TarReader } from '../layer/tar-reader.ts';
import {
  closeEntry,
  containerAbsPath,
  decodePathStat,
  editTar,
  encodePathStat,
  entryArchive,
  extractTar,
  type FsView,
  GO_MODE,
  goBase,
  hasModeBit,
  lookup,
  preserveTrailingDotOrSeparator,
} from './container-archive.ts';

async function members(stream: Readable): Promise<{ header: TarHeader; data: string }[]> {
  const reader = new TarReader(stream);
  const out: { header: TarHeader; data: string }[] = [];
  for (let h = await reader.next(); h; h = await reader.next()) {
    const chunks: Buffer[] = [];
    for (let c = await reader.read(); c; c = await reader.read()) chunks.push(Buffer.from(c));
    out.push({ header: h, data: Buffer.concat(chunks).toString() });
  }
  return out;
}

function tarOf(
  entries: { name: string; type?: TarHeader['type']; data?: string; linkname?: string }[],
): Readable {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const type = e.type ?? 'file';
    parts.push(
      encodeHeader({
        name: e.name,
        type,
        mode: type === 'dir' ? 0o755 : 0o644,
        uid: 0,
        gid: 0,
        size: type === 'file' ? data.length : 0,
        mtime: 1_700_000_000,
        linkname: e.linkname ?? '',
        devmajor: 0,
        devminor: 0,
      }),
    );
    if (type === 'file' && data.length) parts.push(data, Buffer.alloc(padding(data.length)));
  }
  parts.push(END_OF_ARCHIVE);
  return Readable.from([Buffer.concat(parts)]);
}

describe("Docker's path rules", () => {
  it("goBase is Go's filepath.Base", () => {
    assert.equal(goBase('/'), '/');
    assert.equal(goBase('/etc/'), 'etc');
    assert.equal(goBase('/etc/.'), '.');
    assert.equal(goBase('a/b'), 'b');
    assert.equal(goBase(''), '.');
  });

  it('a container path keeps its trailing slash or dot', () => {
    assert.equal(containerAbsPath('etc'), '/etc');
    assert.equal(containerAbsPath('/etc/'), '/etc/');
    assert.equal(containerAbsPath('etc/.'), '/etc/.');
    assert.equal(containerAbsPath('.'), '/.');
    assert.equal(containerAbsPath(''), '/.');
    assert.equal(containerAbsPath('/a/../b//'), '/b/');
    assert.equal(preserveTrailingDotOrSeparator('/x', 'x/.'), '/x/.');
  });

  it('the stat header round-trips, Go mode bits above 2^31 included', () => {
    const stat = {
      name: 'd',
      size: 4096,
      mode: GO_MODE.dir + 0o755,
      mtime: '2024-01-01T00:00:00Z',
      linkTarget: '',
    };
    const back = decodePathStat(encodePathStat(stat));
    assert.deepEqual(back, stat);
    assert.ok(hasModeBit(back!.mode, GO_MODE.dir));
    assert.ok(!hasModeBit(back!.mode, GO_MODE.symlink));
    assert.equal(decodePathStat('not base64 json'), undefined);
  });
});

describe('lookups inside a container root', () => {
  let base: string;
  let root: string;
  let host: string;
  let volume: string;
  let view: FsView;

  before(() => {
    base = mkdtempSync(join(tmpdir(), 'berth-archive-'));
    root = join(base, 'rootfs');
    host = join(base, 'host');
    volume = join(base, 'volume');
    mkdirSync(join(root, 'etc'), { recursive: true });
    mkdirSync(join(host, 'etc'), { recursive: true });
    mkdirSync(volume);
    writeFileSync(join(root, 'etc/hostname'), 'container\n');
    writeFileSync(join(host, 'etc/hostname'), 'HOST\n');
    writeFileSync(join(host, 'secret'), 'HOST SECRET\n');
    writeFileSync(join(volume, 'v'), 'in the volume\n');
    symlinkSync('/', join(root, 'evil'));
    // as many .. as it takes to leave the root on the host, then the host's secret
    symlinkSync(`../../../../../../../..${host}/secret`, join(root, 'etc/link'));
    symlinkSync(`${host}/etc`, join(root, 'abs'));
    symlinkSync('loop', join(root, 'loop'));
    view = { root, mounts: new Map([['/data', { destination: '/data', source: volume, readOnly: true }]]) };
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  const resolved = (path: string, follow = true) => {
    const r = lookup(view, path, follow);
    if ('found' in r) {
      closeEntry(r.found);
      return r.found.path;
    }
    return `missing:${r.missing}`;
  };

  it('symlinks resolve against the container root, never the host', () => {
    assert.equal(resolved('/evil/etc/hostname'), '/etc/hostname');
    assert.equal(resolved('/evil/../../evil/etc'), '/etc');
    assert.equal(resolved('/etc/link'), `missing:${host}/secret`);
    assert.equal(resolved('/abs/hostname'), `missing:${host}/etc/hostname`);
    assert.equal(resolved('/evil', false), '/evil');
  });

  it('a symlink loop is refused', () => {
    assert.throws(() => lookup(view, '/loop', true), /too many levels of symbolic links/);
  });

  it('mounts are laid over the root filesystem', () => {
    const r = lookup(view, '/evil/data/v', true);
    assert.ok('found' in r);
    assert.equal(r.found.path, '/data/v');
    assert.equal(r.found.mount?.source, volume);
    closeEntry(r.found);
  });

  it("an archive through /evil holds the container's files", async () => {
    const r = lookup(view, '/evil/', true);
    assert.ok('found' in r);
    const entry = r.found;
    let done: () => void = () => {};
    const closed = new Promise<void>((r) => {
      done = r;
    });
    const got = await members(
      entryArchive(view, entry, 'evil', () => {
        closeEntry(entry);
        done();
      }),
    );
    const names = got.map((m) => m.header.name);
    assert.ok(names.includes('evil/'));
    assert.ok(names.includes('evil/data/v'), 'the mount is in the archive');
    assert.equal(got.find((m) => m.header.name === 'evil/etc/hostname')?.data, 'container\n');
    assert.equal(got.find((m) => m.header.name === 'evil/etc/link')?.header.type, 'symlink');
    assert.ok(!got.some((m) => m.data.includes('HOST')), 'nothing of the host');
    await closed; // the descriptors are released once the stream is done
  });
});

describe('extracting an archive', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-extract-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('renames members, keeps the target as it was and owns files as asked', async () => {
    const target = join(dir, 'a');
    mkdirSync(target);
    chmodSync(target, 0o1777);
    await extractTar(
      tarOf([
        { name: './', type: 'dir' },
        { name: './src/', type: 'dir' },
        { name: './src/f', data: 'hello' },
        { name: './src/l', type: 'link', linkname: './src/f' },
      ]),
      target,
      { rename: (n) => n.replace(/^\.\/src/, 'dst'), owner: { uid: 4242, gid: 4343 } },
    );
    assert.equal(readFileSync(join(target, 'dst/f'), 'utf8'), 'hello');
    assert.equal(statSync(join(target, 'dst/l')).ino, statSync(join(target, 'dst/f')).ino);
    assert.equal(statSync(join(target, 'dst/f')).uid, 4242);
    assert.equal(statSync(target).mode & 0o7777, 0o1777, "the archive's `.` did not change the target");
  });

  it('refuses to replace a directory with a file, and changes nothing', async () => {
    const target = join(dir, 'b');
    mkdirSync(join(target, 'x'), { recursive: true });
    await assert.rejects(
      extractTar(
        tarOf([
          { name: 'y', data: 'new' },
          { name: 'x', data: 'file' },
        ]),
        target,
        {
          noOverwriteDirNonDir: true,
          displayDir: '/tmp',
        },
      ),
      /cannot overwrite directory "\/tmp\/x" with non-directory "\/tmp"/,
    );
    assert.ok(lstatSync(join(target, 'x')).isDirectory());
    assert.equal(existsSync(join(target, 'y')), false, 'all or nothing');
  });

  it('refuses whiteout names and writing through a symlink', async () => {
    const target = join(dir, 'c');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'kept');
    await assert.rejects(extractTar(tarOf([{ name: '.wh.keep' }]), target), /mark deletions in image layers/);
    assert.equal(readFileSync(join(target, 'keep'), 'utf8'), 'kept');
    symlinkSync('/', join(target, 'up'));
    await assert.rejects(extractTar(tarOf([{ name: 'up/tmp/escaped', data: 'x' }]), target), /symlink/);
    assert.equal(existsSync('/tmp/escaped'), false);
  });

  it('editTar drops and renames members, content intact', async () => {
    const got = await members(
      editTar(
        tarOf([
          { name: 'a', data: 'A' },
          { name: 'b', data: 'B'.repeat(700) },
        ]),
        (h) => (h.name === 'a' ? undefined : { ...h, name: 'renamed' }),
      ),
    );
    assert.deepEqual(
      got.map((m) => [m.header.name, m.data.length]),
      [['renamed', 700]],
    );
  });
});
