import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DockerfileError } from '../errors.ts';
import { findStage, parseDockerfile } from './stages.ts';
import type { Instruction } from './types.ts';

/** The instructions of a one-stage Dockerfile whose body is `body`. */
function body(text: string): Instruction[] {
  return parseDockerfile(`FROM scratch\n${text}`).stages[0].instructions;
}
const one = <K extends Instruction['kind']>(kind: K, text: string) => {
  const [instr] = body(text);
  assert.equal(instr.kind, kind);
  return instr as Extract<Instruction, { kind: K }>;
};

function failsAt(text: string, line: number, column: number, detail: string | RegExp) {
  assert.throws(
    () => parseDockerfile(text),
    (err: unknown) => {
      assert.ok(err instanceof DockerfileError, String(err));
      assert.equal(err.code, 'InvalidArgument');
      if (typeof detail === 'string') assert.equal(err.detail, detail);
      else assert.match(err.detail, detail);
      assert.deepEqual([err.line, err.column], [line, column], err.message);
      assert.equal(err.message, `Dockerfile:${line}:${column}: ${err.detail}`);
      return true;
    },
  );
}

describe('stages', () => {
  it('splits global ARGs and stages; names are lowercased and looked up case-insensitively', () => {
    const df = parseDockerfile(
      'ARG V=1\nARG B\nFROM --platform=$P img:$V AS Base\nRUN x\nfrom base as two\nRUN y\n',
    );
    assert.deepEqual(
      df.globalArgs.map((a) => a.args),
      [[{ name: 'V', value: '1' }], [{ name: 'B' }]],
    );
    assert.equal(df.stages.length, 2);
    assert.deepEqual(
      [df.stages[0].from.image, df.stages[0].from.platform, df.stages[0].name],
      ['img:$V', '$P', 'base'],
    );
    assert.equal(findStage(df.stages, 'BASE')?.index, 0);
    assert.equal(findStage(df.stages, '1')?.name, 'two');
    assert.equal(findStage(df.stages, 'nope'), undefined);
    assert.deepEqual(
      df.warnings.map((w) => w.rule),
      ['StageNameCasing'],
    );
  });

  it('rejects bad stage names, duplicates and instructions before FROM', () => {
    failsAt('FROM a AS 1st\n', 1, 11, /^invalid name for build stage: "1st"/);
    failsAt('FROM a AS x\nFROM b AS X\n', 2, 11, 'duplicate stage name "x"');
    failsAt('FROM a b\n', 1, 1, 'FROM requires either one or three arguments');
    failsAt('ARG A\nRUN x\nFROM a\n', 2, 1, 'no build stage in current context');
    failsAt('ARG A\n', 1, 1, 'dockerfile contains no stages to build');
  });

  it('warns when FROM and AS casing differ', () => {
    assert.deepEqual(
      parseDockerfile('FROM a as b\n').warnings.map((w) => w.rule),
      ['FromAsCasing'],
    );
  });
});

describe('instruction names', () => {
  it('suggests the closest instruction for an unknown one', () => {
    failsAt('FROM a\n  FORM b\n', 2, 3, 'unknown instruction: FORM (did you mean FROM?)');
    failsAt('FROM a\nXYZZY b\n', 2, 1, 'unknown instruction: XYZZY');
  });

  it('accepts any case', () => {
    assert.equal(body('run echo\nCopy a b\n')[1].kind, 'COPY');
  });
});

describe('flags', () => {
  it('names an unknown flag and points at it, also on a continuation line', () => {
    failsAt('FROM a\nCOPY --foo=bar a b\n', 2, 6, 'unknown flag: foo');
    failsAt('FROM a\nCOPY --chown=1 \\\n    --bogus a b\n', 3, 5, 'unknown flag: bogus');
    failsAt('FROM a\nENV --x=1 A=b\n', 2, 5, 'unknown flag: x');
    failsAt('FROM --plat=x a\n', 1, 6, 'unknown flag: plat');
  });

  it('checks values and repetition', () => {
    failsAt('FROM a\nCOPY --link=maybe a b\n', 2, 6, 'expecting boolean value for flag link, not: maybe');
    failsAt('FROM a\nCOPY --from a b\n', 2, 6, 'missing a value on flag: from');
    failsAt('FROM a\nCOPY --from=x --from=y a b\n', 2, 6, 'duplicate flag specified: from');
  });
});

describe('ADD and COPY', () => {
  it('COPY: sources, destination and flags', () => {
    const c = one(
      'COPY',
      'COPY --from=build --chown=app:app --chmod=0755 --link --parents --exclude=*.md --exclude=.git a "b c" /dst/\n',
    );
    assert.deepEqual(c.sources, ['a', '"b', 'c"']);
    assert.equal(c.dest, '/dst/');
    assert.deepEqual(
      [c.from, c.chown, c.chmod, c.link, c.parents, c.exclude],
      ['build', 'app:app', '0755', true, true, ['*.md', '.git']],
    );
    assert.deepEqual(one('COPY', 'COPY ["a b", "/d"]\n').sources, ['a b']);
    const plain = one('COPY', 'COPY a b\n');
    assert.deepEqual([plain.from, plain.link, plain.parents, plain.exclude], [undefined, false, false, []]);
  });

  it('ADD: checksum, keep-git-dir, unpack', () => {
    const a = one(
      'ADD',
      'ADD --checksum=sha256:abc --keep-git-dir --unpack=false --link=false https://x/y.tgz /d\n',
    );
    assert.deepEqual(
      [a.sources, a.dest, a.checksum, a.keepGitDir, a.unpack, a.link],
      [['https://x/y.tgz'], '/d', 'sha256:abc', true, false, false],
    );
    assert.equal(one('ADD', 'ADD a b\n').unpack, undefined);
    failsAt('FROM a\nADD --from=x a b\n', 2, 5, 'unknown flag: from');
  });

  it('heredoc sources become inline files; <<- removes tabs', () => {
    const c = one('COPY', 'COPY --chmod=644 <<-EOF x <<"RAW" /etc/\n\tline $A\n\tEOF\nkeep $B\nRAW\n');
    assert.deepEqual(c.sources, ['x']);
    assert.deepEqual(c.heredocs, [
      { name: 'EOF', content: 'line $A\n', expand: true },
      { name: 'RAW', content: 'keep $B\n', expand: false },
    ]);
    assert.deepEqual(c.location, { file: 'Dockerfile', startLine: 2, endLine: 6, column: 1 });
  });

  it('needs a destination, which cannot be a heredoc', () => {
    failsAt('FROM a\nCOPY a\n', 2, 1, /^COPY requires at least two arguments/);
    failsAt('FROM a\nADD <<EOF\nx\nEOF\n', 2, 1, /^ADD requires at least two arguments/);
    failsAt('FROM a\nCOPY a <<EOF\nx\nEOF\n', 2, 8, 'COPY cannot accept a heredoc as a destination');
  });
});

describe('RUN', () => {
  it('shell and exec forms, network and security', () => {
    const r = one('RUN', 'RUN --network=none --security=insecure echo "$HOME"\n');
    assert.deepEqual(r.command, { form: 'shell', script: 'echo "$HOME"' });
    assert.deepEqual([r.network, r.security], ['none', 'insecure']);
    const e = one('RUN', 'RUN ["sh", "-c", "echo hi"]\n');
    assert.deepEqual(
      [e.command, e.network, e.security],
      [{ form: 'exec', argv: ['sh', '-c', 'echo hi'] }, 'default', undefined],
    );
    failsAt('FROM a\nRUN --network=bridge x\n', 2, 5, 'unsupported network mode "bridge"');
    failsAt('FROM a\nRUN --security=root x\n', 2, 5, 'unsupported security mode "root"');
    failsAt('FROM a\nRUN\n', 2, 1, 'RUN requires at least one argument');
  });

  it('keeps heredoc bodies, tabs removed for <<-', () => {
    const r = one('RUN', 'RUN <<-EOF bash\n\techo $HOME\n\tEOF\n');
    assert.deepEqual(r.command, { form: 'shell', script: '<<-EOF bash' });
    assert.deepEqual(r.heredocs, [
      { name: 'EOF', content: 'echo $HOME\n', expand: true, chomp: true, fileDescriptor: 0 },
    ]);
  });

  it('parses mounts and points at a bad one', () => {
    const r = one(
      'RUN',
      'RUN --mount=type=cache,target=/root/.cache,id=pip,sharing=locked --mount=type=secret,id=tok x\n',
    );
    assert.deepEqual(r.mounts, [
      { type: 'cache', target: '/root/.cache', id: 'pip', sharing: 'locked', readOnly: false },
      { type: 'secret', id: 'tok', readOnly: true },
    ]);
    failsAt(
      'FROM a\nRUN --mount=type=cach,target=/x true\n',
      2,
      13,
      /unsupported mount type "cach" \(did you mean cache\?\)$/,
    );
  });
});

describe('CMD, ENTRYPOINT, SHELL', () => {
  it('keep shell or exec form', () => {
    assert.deepEqual(one('CMD', 'CMD ["a", "b"]\n').command, { form: 'exec', argv: ['a', 'b'] });
    assert.deepEqual(one('CMD', 'CMD echo "$X"\n').command, { form: 'shell', script: 'echo "$X"' });
    assert.deepEqual(one('ENTRYPOINT', 'ENTRYPOINT []\n').command, { form: 'exec', argv: [] });
    assert.deepEqual(one('ENTRYPOINT', "ENTRYPOINT ['x']\n").command, { form: 'shell', script: "['x']" });
  });

  it('SHELL needs a non-empty JSON array', () => {
    assert.deepEqual(one('SHELL', 'SHELL ["/bin/bash", "-c"]\n').shell, ['/bin/bash', '-c']);
    failsAt('FROM a\nSHELL /bin/bash -c\n', 2, 1, 'SHELL requires the arguments to be in JSON form');
    failsAt('FROM a\nSHELL []\n', 2, 1, 'SHELL requires at least one argument');
  });
});

describe('HEALTHCHECK', () => {
  it('CMD forms and Go durations in nanoseconds', () => {
    const h = one(
      'HEALTHCHECK',
      'HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=1.5s --start-interval=2s --retries=3 CMD curl -f x\n',
    );
    assert.deepEqual(
      [h.test, h.interval, h.timeout, h.startPeriod, h.startInterval, h.retries],
      [['CMD-SHELL', 'curl -f x'], 90e9, 500e6, 1.5e9, 2e9, 3],
    );
    assert.deepEqual(one('HEALTHCHECK', 'HEALTHCHECK CMD ["a", "b"]\n').test, ['CMD', 'a', 'b']);
    assert.deepEqual(one('HEALTHCHECK', 'HEALTHCHECK none\n').test, ['NONE']);
    assert.equal(one('HEALTHCHECK', 'HEALTHCHECK --timeout=0s CMD x\n').timeout, 0);
  });

  it('rejects bad types, arguments and values', () => {
    failsAt('FROM a\nHEALTHCHECK NONE x\n', 2, 1, 'HEALTHCHECK NONE takes no arguments');
    failsAt('FROM a\nHEALTHCHECK CONNECT x\n', 2, 13, 'Unknown type "CONNECT" in HEALTHCHECK (try CMD)');
    failsAt('FROM a\nHEALTHCHECK CMD\n', 2, 1, 'Missing command after HEALTHCHECK CMD');
    failsAt('FROM a\nHEALTHCHECK\n', 2, 1, 'HEALTHCHECK requires at least one argument');
    failsAt(
      'FROM a\nHEALTHCHECK --interval=10us CMD x\n',
      2,
      13,
      'Interval "interval" cannot be less than 1ms',
    );
    failsAt(
      'FROM a\nHEALTHCHECK --timeout=5 CMD x\n',
      2,
      13,
      /--timeout: time: missing unit in duration "5"/,
    );
    failsAt('FROM a\nHEALTHCHECK --retries=-1 CMD x\n', 2, 13, '--retries cannot be negative (-1)');
    failsAt('FROM a\nHEALTHCHECK --retries=x CMD x\n', 2, 13, 'invalid value for --retries: "x"');
  });
});

describe('ENV, LABEL, ARG', () => {
  it('keep values raw until expansion and mark the legacy form', () => {
    const e = one('ENV', 'ENV A="x y" B=c\\ d\n');
    assert.deepEqual(e.vars, [
      { key: 'A', value: '"x y"' },
      { key: 'B', value: 'c\\ d' },
    ]);
    assert.equal(e.legacy, false);
    const df = parseDockerfile('FROM a\nENV PATH /usr/bin:$PATH\nLABEL maintainer me <me@x>\n');
    const [env, label] = df.stages[0].instructions;
    assert.deepEqual(env.kind === 'ENV' && [env.vars, env.legacy], [
      [{ key: 'PATH', value: '/usr/bin:$PATH' }],
      true,
    ]);
    assert.deepEqual(label.kind === 'LABEL' && label.labels, [{ key: 'maintainer', value: 'me <me@x>' }]);
    assert.deepEqual(
      df.warnings.map((w) => [w.rule, w.line]),
      [
        ['LegacyKeyValueFormat', 2],
        ['LegacyKeyValueFormat', 3],
      ],
    );
  });

  it('checks names', () => {
    failsAt('FROM a\nENV =x\n', 2, 1, 'ENV names can not be blank');
    failsAt('FROM a\nENV\n', 2, 1, 'ENV requires at least one argument');
    failsAt('FROM a\nARG =x\n', 2, 5, 'ARG names can not be blank');
    assert.deepEqual(one('ARG', 'ARG a b="1 2" c=\n').args, [
      { name: 'a' },
      { name: 'b', value: '"1 2"' },
      { name: 'c', value: '' },
    ]);
  });
});

describe('single-value instructions', () => {
  it('USER, WORKDIR, STOPSIGNAL, MAINTAINER, EXPOSE, VOLUME', () => {
    assert.equal(one('USER', 'USER app:app\n').user, 'app:app');
    assert.equal(one('WORKDIR', 'WORKDIR /a b\n').path, '/a b');
    assert.equal(one('STOPSIGNAL', 'STOPSIGNAL SIGTERM\n').signal, 'SIGTERM');
    assert.deepEqual(one('EXPOSE', 'EXPOSE 80/tcp $P\n').ports, ['80/tcp', '$P']);
    assert.deepEqual(one('VOLUME', 'VOLUME /a /b\n').paths, ['/a', '/b']);
    assert.deepEqual(one('VOLUME', 'VOLUME ["/a b"]\n').paths, ['/a b']);
    const df = parseDockerfile('FROM a\nMAINTAINER me\n');
    assert.deepEqual(
      df.stages[0].instructions[0].kind === 'MAINTAINER' && df.stages[0].instructions[0].maintainer,
      'me',
    );
    assert.deepEqual(
      df.warnings.map((w) => w.rule),
      ['MaintainerDeprecated'],
    );
    failsAt('FROM a\nUSER\n', 2, 1, 'USER requires exactly one argument');
    failsAt('FROM a\nEXPOSE\n', 2, 1, 'EXPOSE requires at least one argument');
    failsAt('FROM a\nVOLUME [""]\n', 2, 1, 'VOLUME specified can not be an empty string');
  });
});

describe('ONBUILD', () => {
  it('parses the trigger and keeps its expression', () => {
    const o = one('ONBUILD', 'ONBUILD COPY --from=x a b\n');
    assert.equal(o.trigger.kind, 'COPY');
    assert.equal(o.trigger.kind === 'COPY' && o.trigger.from, 'x');
    assert.equal(o.expression, 'COPY --from=x a b');
    const h = one('ONBUILD', 'ONBUILD RUN <<EOF\necho hi\nEOF\n');
    assert.equal(h.expression, 'RUN <<EOF\necho hi\nEOF');
    assert.equal(h.trigger.kind === 'RUN' && h.trigger.heredocs[0].content, 'echo hi\n');
  });

  it('rejects chaining, FROM, MAINTAINER and bad triggers', () => {
    failsAt('FROM a\nONBUILD ONBUILD RUN x\n', 2, 1, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    failsAt('FROM a\nONBUILD FROM b\n', 2, 9, "FROM isn't allowed as an ONBUILD trigger");
    failsAt('FROM a\nONBUILD\n', 2, 1, 'ONBUILD requires at least one argument');
    failsAt('FROM a\nONBUILD COPY --nope a b\n', 2, 14, 'unknown flag: nope');
    failsAt('FROM a\nONBUILD RUNN x\n', 2, 1, 'unknown instruction: RUNN (did you mean RUN?)');
  });
});
