import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../util/errors.ts';
import { MS } from '../launch/linux-constants.ts';
import { parseMountOptions } from './mount-options.ts';

describe('parseMountOptions', () => {
  it('turns flag words into MS_* bits and keeps the rest as data, in order', () => {
    const p = parseMountOptions(
      ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      'm',
    );
    assert.equal(p.flags, MS.NOSUID | MS.NOEXEC);
    assert.equal(p.data, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
    assert.deepEqual(p.propagationFlags, []);
  });
  it('lets a later word undo an earlier one', () => {
    assert.equal(parseMountOptions(['ro', 'rw'], 'm').flags, 0);
    assert.equal(parseMountOptions(['rw', 'ro'], 'm').flags, MS.RDONLY);
    assert.equal(parseMountOptions(['nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec'], 'm').flags, 0);
    assert.equal(parseMountOptions(['noatime', 'atime', 'nodiratime', 'diratime'], 'm').flags, 0);
    assert.equal(parseMountOptions(['sync', 'async', 'mand', 'nomand'], 'm').flags, 0);
    assert.equal(parseMountOptions(['relatime', 'norelatime', 'strictatime', 'nostrictatime'], 'm').flags, 0);
  });
  it('knows every flag word', () => {
    const cases: [string, number][] = [
      ['ro', MS.RDONLY],
      ['nosuid', MS.NOSUID],
      ['nodev', MS.NODEV],
      ['noexec', MS.NOEXEC],
      ['bind', MS.BIND],
      ['rbind', MS.BIND | MS.REC],
      ['relatime', MS.RELATIME],
      ['strictatime', MS.STRICTATIME],
      ['noatime', MS.NOATIME],
      ['nodiratime', MS.NODIRATIME],
      ['sync', MS.SYNCHRONOUS],
      ['remount', MS.REMOUNT],
      ['mand', MS.MANDLOCK],
      ['dirsync', MS.DIRSYNC],
      ['lazytime', MS.LAZYTIME],
      ['silent', MS.SILENT],
      ['nosymfollow', MS.NOSYMFOLLOW],
      ['defaults', 0],
    ];
    for (const [word, bits] of cases) assert.equal(parseMountOptions([word], 'm').flags, bits, word);
  });
  it('collects propagation words as separate calls', () => {
    const p = parseMountOptions(
      ['rbind', 'rprivate', 'shared', 'rslave', 'slave', 'unbindable', 'runbindable', 'private', 'rshared'],
      'm',
    );
    assert.deepEqual(p.propagationFlags, [
      MS.PRIVATE | MS.REC,
      MS.SHARED,
      MS.SLAVE | MS.REC,
      MS.SLAVE,
      MS.UNBINDABLE,
      MS.UNBINDABLE | MS.REC,
      MS.PRIVATE,
      MS.SHARED | MS.REC,
    ]);
    assert.equal(p.data, '');
  });
  it('does not mistake Object.prototype names for words', () => {
    assert.equal(parseMountOptions(['constructor', 'toString'], 'm').data, 'constructor,toString');
  });
  it('refuses idmapped and recursive-attribute mounts, naming the option', () => {
    for (const o of ['idmap', 'ridmap', 'rro', 'rnosuid', 'tmpcopyup']) {
      assert.throws(
        () => parseMountOptions(['nosuid', o], 'config.json: mounts[3].options'),
        (e) =>
          isBerthError(e, 'NotImplemented') &&
          e.message.startsWith(`config.json: mounts[3].options[1]: mount option "${o}"`),
      );
    }
  });
});
