import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDockerfile } from '../dockerfile/index.ts';
import { neededStages } from './builder.ts';
import { segmentRegExp } from './copy-files.ts';
import { applyMetadata, exposedPorts, nopCreatedBy } from './metadata.ts';
import { resolveInRoot } from './root-path.ts';
import type { StageState } from './stage-state.ts';

const state = (): StageState => ({
  config: {
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/bin'] },
    rootfs: { type: 'layers', diff_ids: [] },
  },
  layers: [],
  args: new Map(),
  cmdSet: false,
});
const instr = (line: string) => parseDockerfile(`FROM scratch\n${line}\n`).stages[0].instructions[0];

describe('builder metadata', () => {
  it('writes history text as the classic builder does', () => {
    const s = state();
    const text = applyMetadata(s, instr('CMD ["sh"]'));
    assert.equal(nopCreatedBy(s, text as string), '/bin/sh -c #(nop)  CMD ["sh"]');
    assert.deepEqual(s.config.config?.Cmd, ['sh']);
  });
  it('shell-form ENTRYPOINT uses the SHELL and clears a CMD not set in this stage', () => {
    const s = state();
    s.config.config = { ...s.config.config, Cmd: ['inherited'] };
    applyMetadata(s, instr('SHELL ["/bin/ash", "-eo"]'));
    applyMetadata(s, instr('ENTRYPOINT exec top'));
    assert.deepEqual(s.config.config?.Entrypoint, ['/bin/ash', '-eo', 'exec top']);
    assert.equal(s.config.config?.Cmd, undefined);
  });
  it('ENV replaces a variable in place; EXPOSE expands ranges', () => {
    const s = state();
    applyMetadata(s, instr('ENV PATH=/usr/bin X=1'));
    assert.deepEqual(s.config.config?.Env, ['PATH=/usr/bin', 'X=1']);
    assert.deepEqual(exposedPorts('8000-8002/udp'), ['8000/udp', '8001/udp', '8002/udp']);
    assert.throws(() => exposedPorts('http'), /invalid port/);
  });
  it('RUN and COPY are not metadata', () => {
    assert.equal(applyMetadata(state(), instr('RUN true')), undefined);
  });
});

describe('builder stages and patterns', () => {
  it('needs only the stages the target reaches', () => {
    const p = parseDockerfile(
      'FROM scratch AS a\nFROM scratch AS b\nFROM a AS c\nCOPY --from=1 /x /y\nFROM scratch AS d\n',
    );
    const names = (t: number) => neededStages(p.stages, p.stages[t], (s) => s.from.image).map((s) => s.index);
    assert.deepEqual(names(2), [0, 1, 2]);
    assert.deepEqual(names(3), [3]);
  });
  it('matches wildcards within one path segment, as Go does', () => {
    assert.ok(segmentRegExp('*.md').test('a.md'));
    assert.ok(!segmentRegExp('*.md').test('a.mdx'));
    assert.ok(segmentRegExp('file[0-9]').test('file7'));
    assert.ok(segmentRegExp('[!a]x').test('bx'));
    assert.ok(!segmentRegExp('?').test('ab'));
  });
  it('resolves symlinks inside the root, never out of it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-rootpath-'));
    try {
      mkdirSync(join(root, 'real'));
      writeFileSync(join(root, 'real', 'f'), 'x');
      symlinkSync('/../../../etc', join(root, 'escape'));
      symlinkSync('real', join(root, 'rel'));
      const esc = await resolveInRoot(root, '/escape/passwd');
      assert.equal(esc.inRoot, '/etc/passwd');
      assert.equal(esc.host, join(root, 'etc', 'passwd'));
      assert.equal(esc.exists, false);
      const rel = await resolveInRoot(root, 'rel/f');
      assert.deepEqual(rel, { host: join(root, 'real', 'f'), inRoot: '/real/f', exists: true });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
