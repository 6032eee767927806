// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Dockerfile syntax under test
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DockerfileError } from '../errors.ts';
import { newExpansionReport } from '../expand.ts';
import { EXPANDS, expandInstruction } from './expand-instruction.ts';
import { parseDockerfile } from './stages.ts';
import { INSTRUCTION_NAMES } from './types.ts';

const instrs = (text: string) => parseDockerfile(`FROM scratch\n${text}`).stages[0].instructions;
const env = { A: 'a', SP: 'x y', DIR: '/srv', U: 'app', P: '8080' };
const expanded = (text: string) => instrs(text).map((i) => expandInstruction(i, env));

describe('EXPANDS', () => {
  it('covers every instruction and follows Docker', () => {
    assert.deepEqual(Object.keys(EXPANDS).sort(), [...INSTRUCTION_NAMES].sort());
    const off = INSTRUCTION_NAMES.filter((n) => !EXPANDS[n]);
    assert.deepEqual(off, ['CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL']);
  });
});

describe('expandInstruction', () => {
  it('ENV, LABEL and ARG: keys and values, quotes removed, the previous values seen', () => {
    const [e, l, a] = expanded('ENV A="$A-2" B=${A}\\ $SP\nLABEL "k$A"=\'$A\'\nARG N${A}=${U:-z} M\n');
    assert.deepEqual(e.kind === 'ENV' && e.vars, [
      { key: 'A', value: 'a-2' },
      { key: 'B', value: 'a x y' },
    ]);
    assert.deepEqual(l.kind === 'LABEL' && l.labels, [{ key: 'ka', value: '$A' }]);
    assert.deepEqual(a.kind === 'ARG' && a.args, [
      { name: 'Na', value: 'app' },
      { name: 'M', value: undefined },
    ]);
  });

  it('COPY and ADD: paths and flags; heredoc bodies only when unquoted, quotes kept', () => {
    const [c, a] = expanded(
      'COPY --from=$A --chown=$U --exclude=$A.md $A "$SP" <<EOF <<\'RAW\' $DIR/\nv="$A" \\$A\nEOF\nv=$A\nRAW\nADD --checksum=sha256:$A --chmod=$P $DIR/x /y\n',
    );
    assert.ok(c.kind === 'COPY');
    assert.deepEqual(
      [c.from, c.chown, c.exclude, c.sources, c.dest],
      ['a', 'app', ['a.md'], ['a', 'x y'], '/srv/'],
    );
    assert.deepEqual(c.heredocs, [
      { name: 'EOF', content: 'v="a" $A\n', expand: true },
      { name: 'RAW', content: 'v=$A\n', expand: false },
    ]);
    assert.ok(a.kind === 'ADD');
    assert.deepEqual([a.checksum, a.chmod, a.sources, a.dest], ['sha256:a', '8080', ['/srv/x'], '/y']);
  });

  it('EXPOSE splits words; WORKDIR, USER, VOLUME, STOPSIGNAL take one each', () => {
    const [x, w, u, v, s] = expanded(
      'EXPOSE $P "$SP" ${SP}\nWORKDIR $DIR/$SP\nUSER $U:$U\nVOLUME $DIR $SP\nSTOPSIGNAL SIG$A\n',
    );
    assert.deepEqual(x.kind === 'EXPOSE' && x.ports, ['8080', 'x y', 'x', 'y']);
    assert.equal(w.kind === 'WORKDIR' && w.path, '/srv/x y');
    assert.equal(u.kind === 'USER' && u.user, 'app:app');
    assert.deepEqual(v.kind === 'VOLUME' && v.paths, ['/srv', 'x y']);
    assert.equal(s.kind === 'STOPSIGNAL' && s.signal, 'SIGa');
  });

  it('FROM with the global args', () => {
    const df = parseDockerfile('ARG TAG=1\nFROM --platform=$PLAT img:${TAG}\n');
    const from = expandInstruction(df.stages[0].from, { TAG: '2', PLAT: 'linux/arm64' });
    assert.deepEqual([from.image, from.platform], ['img:2', 'linux/arm64']);
  });

  it('leaves RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD alone but expands RUN mounts', () => {
    const list = instrs(
      'RUN --mount=type=cache,target=$DIR echo $A\nCMD echo $A\nENTRYPOINT ["$A"]\nSHELL ["$A"]\nHEALTHCHECK CMD $A\nONBUILD COPY $A /\n',
    );
    const out = list.map((i) => expandInstruction(i, env));
    const [run, ...rest] = out;
    assert.ok(run.kind === 'RUN');
    assert.deepEqual(run.command, { form: 'shell', script: 'echo $A' });
    assert.equal(run.mounts[0].target, '/srv');
    assert.deepEqual(rest, list.slice(1));
  });

  it('reports used and unset variables', () => {
    const report = newExpansionReport();
    for (const i of instrs('ENV X=$A\nWORKDIR $NOPE/$DIR\nRUN echo $IGNORED\n'))
      expandInstruction(i, env, { report });
    assert.deepEqual([...report.used].sort(), ['A', 'DIR']);
    assert.deepEqual([...report.unset], ['NOPE']);
  });

  it('uses the file escape character', () => {
    const [w] = parseDockerfile('# escape=`\nFROM x\nWORKDIR C:\\a`$A\n').stages[0].instructions;
    const out = expandInstruction(w, env);
    assert.equal(out.kind === 'WORKDIR' && out.path, 'C:\\a$A');
  });

  it('turns expansion errors into located errors', () => {
    const [w] = instrs('\nWORKDIR ${NOPE:?must be set}\n');
    assert.throws(
      () => expandInstruction(w, env),
      (err: unknown) =>
        err instanceof DockerfileError &&
        err.line === 3 &&
        err.message === 'Dockerfile:3:1: failed to process "${NOPE:?must be set}": NOPE: must be set',
    );
    const [r] = instrs('RUN --mount=type=cache,target=/x,uid=$A true\n');
    assert.throws(
      () => expandInstruction(r, env),
      /Dockerfile:2:1: --mount=type=cache,target=\/x,uid=\$A: invalid value a for uid/,
    );
  });
});
