import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dumpAst } from './ast.ts';
import { DockerfileError } from './errors.ts';
import { chompHeredoc, heredocMarkersOfLine, parseHeredocMarker } from './heredoc.ts';
import { parseDockerfileAst } from './parser.ts';

const dump = (text: string) => dumpAst(parseDockerfileAst(text));
const nodes = (text: string) => parseDockerfileAst(text).children;

function throwsAt(text: string, line: number, column: number, detail: RegExp) {
  assert.throws(
    () => parseDockerfileAst(text),
    (err: unknown) => {
      assert.ok(err instanceof DockerfileError);
      assert.equal(err.code, 'InvalidArgument');
      assert.deepEqual([err.line, err.column], [line, column]);
      assert.match(err.detail, detail);
      assert.ok(err.message.startsWith(`Dockerfile:${line}:${column}: `));
      return true;
    },
  );
}

describe('parser directives', () => {
  it('reads syntax, escape and check from the leading comments, case-insensitively', () => {
    const ast = parseDockerfileAst(
      '# Syntax = docker/dockerfile:1\n#ESCAPE=`\n# check=skip=A,B;error=true\nFROM x\n',
    );
    assert.equal(ast.directives.syntax, 'docker/dockerfile:1');
    assert.equal(ast.escapeToken, '`');
    assert.deepEqual(ast.directives.check, {
      raw: 'skip=A,B;error=true',
      skip: ['A', 'B'],
      error: true,
      experimental: [],
    });
  });

  it('stops looking after a blank line, a plain comment or an unknown key', () => {
    for (const head of ['\n', '# hello\n', '# foo=bar\n']) {
      const ast = parseDockerfileAst(`${head}# escape=\`\nFROM x\n`);
      assert.equal(ast.escapeToken, '\\', JSON.stringify(head));
    }
  });

  it('rejects a repeated directive and a bad escape character, at their line', () => {
    throwsAt('# escape=`\n# ESCAPE=\\\nFROM x\n', 2, 1, /^only one escape parser directive can be used$/);
    throwsAt('# escape=x\nFROM x\n', 1, 1, /invalid ESCAPE 'x'/);
    throwsAt('# check=bogus\nFROM x\n', 1, 1, /invalid check option/);
  });

  it('uses the escape directive for continuations and words', () => {
    assert.equal(
      dump('# escape=`\nFROM x\nRUN a `\n  b\nENV A=c\\d B="e`"f"\n'),
      '(from "x")\n(run "a   b")\n(env "A" "c\\\\d" "=" "B" "\\"e`\\"f\\"" "=")\n',
    );
  });
});

describe('parser lines', () => {
  it('drops a BOM and CRs, joins continuations without adding a space', () => {
    assert.equal(dump('\ufeffFROM x\r\nRUN a\\\r\n  b\r\n'), '(from "x")\n(run "a  b")\n');
  });

  it('warns about empty continuation lines and skips comments inside a continuation', () => {
    const ast = parseDockerfileAst('FROM x\nRUN a \\\n\n# note\n  b\n');
    assert.equal(dumpAst(ast), '(from "x")\n(run "a   b")\n');
    assert.equal(ast.warnings.length, 1);
    assert.equal(ast.warnings[0].rule, 'NoEmptyContinuation');
    assert.match(ast.warnings[0].message, /Empty continuation line found in: RUN a {3}b/);
  });

  it('records lines, keyword column and preceding comments', () => {
    const [from, run] = nodes('# base image\nFROM x\n\n  run a \\\n  b\n');
    assert.deepEqual([from.startLine, from.endLine, from.column, from.comments], [2, 2, 1, ['base image']]);
    assert.deepEqual([run.startLine, run.endLine, run.column, run.rawKeyword], [4, 5, 3, 'run']);
  });

  it('keeps unknown instructions for the typed layer to report', () => {
    assert.equal(dump('FROM x\nFOO bar\n'), '(from "x")\n(foo "")\n');
  });

  it('fails on a file without instructions', () => {
    throwsAt('', 1, 1, /^file with no instructions$/);
    throwsAt('# only\n\n', 2, 1, /^file with no instructions$/);
  });

  it('points an argument error at the instruction', () => {
    throwsAt('FROM x\n\n   LABEL foo\n', 3, 4, /^LABEL must have two arguments$/);
    throwsAt('FROM x\nENV a=b c\n', 2, 1, /can't find = in "c"/);
  });
});

describe('parser heredocs', () => {
  it('reads the body of RUN <<EOF up to the terminator', () => {
    const [, run, after] = nodes('FROM x\nRUN <<EOF\necho hi\n  EOF\nEOF\nRUN done\n');
    assert.deepEqual(run.args, ['<<EOF']);
    assert.deepEqual(run.heredocs, [
      { name: 'EOF', content: 'echo hi\n  EOF\n', expand: true, chomp: false, fileDescriptor: 0 },
    ]);
    assert.deepEqual([run.startLine, run.endLine, after.startLine], [2, 5, 6]);
  });

  it('<<- accepts a tab-indented terminator; quoting turns expansion off; several per line', () => {
    const [, copy] = nodes('FROM x\nCOPY <<-"A" 3<<B /dst/\n\tfoo $X\n\tA\nbar\nB\n');
    assert.deepEqual(copy.heredocs, [
      { name: 'A', content: '\tfoo $X\n', expand: false, chomp: true, fileDescriptor: 0 },
      { name: 'B', content: 'bar\n', expand: true, chomp: false, fileDescriptor: 3 },
    ]);
    assert.equal(chompHeredoc('\t\ta\n\tb\n c\n'), 'a\nb\n c\n');
  });

  it('takes heredocs in ONBUILD triggers but not in JSON form or other instructions', () => {
    assert.equal(nodes('FROM x\nONBUILD RUN <<EOF\nx\nEOF\n')[1].heredocs.length, 1);
    assert.equal(dump('FROM x\nRUN ["<<EOF"]\nEOF\n'), '(from "x")\n(run "<<EOF")\n(eof "")\n');
    assert.equal(dump('FROM x\nLABEL a=<<EOF\nEOF\n'), '(from "x")\n(label "a" "<<EOF" "=")\n(eof "")\n');
  });

  it('reports an unterminated heredoc at its instruction', () => {
    throwsAt('FROM x\nRUN cat <<EOF\nnever ends\n', 2, 1, /^unterminated heredoc EOF$/);
  });

  it('names, quoting and expansion of delimiters', () => {
    const cases: [string, string, boolean][] = [
      ["RUN <<eo'f'\necho\neof\n", 'eof', false],
      ["RUN <<eo\\'f\necho\neo'f\n", "eo'f", true],
      ["RUN <<'e'o\\'f\necho\neo'f\n", "eo'f", false],
      ["RUN <<'one two'\necho\none two\n", 'one two', false],
      ['RUN <<$EOF\n$EOF\n', '$EOF', true],
      ['RUN <<  EOF  > foo\nEOF\n', 'EOF', true],
      ['COPY <<file.txt /dest\nhello\nfile.txt\n', 'file.txt', true],
    ];
    for (const [text, name, expand] of cases) {
      const [, node] = nodes(`FROM x\n${text}`);
      assert.deepEqual(
        node.heredocs.map((h) => [h.name, h.expand]),
        [[name, expand]],
        text,
      );
    }
    const [, , invalid] = nodes('FROM x\nUSER <<INVALID\nINVALID\n');
    assert.equal(invalid.keyword, 'invalid');
    assert.deepEqual(nodes('FROM x\nRUN "<<NOHEREDOC"\n')[1].heredocs, []);
    const [, xy] = nodes('FROM x\nCOPY <<X <<Y /dest\nY\nX\nX\nY\n');
    assert.deepEqual(
      xy.heredocs.map((h) => [h.name, h.content]),
      [
        ['X', 'Y\n'],
        ['Y', 'X\n'],
      ],
    );
  });

  it('recognises markers as BuildKit does', () => {
    assert.equal(parseHeredocMarker('<<EOF')?.name, 'EOF');
    assert.equal(parseHeredocMarker("<<'E O'")?.expand, false);
    assert.equal(parseHeredocMarker('<<E"O"F')?.name, 'EOF');
    assert.equal(parseHeredocMarker('<<'), undefined);
    assert.equal(parseHeredocMarker('x<<EOF'), undefined);
    assert.equal(parseHeredocMarker('<<a b'), undefined);
    assert.equal(parseHeredocMarker('<<<EOF'), undefined);
    assert.equal(parseHeredocMarker('<< EOF')?.name, 'EOF');
    assert.equal(parseHeredocMarker('<<- EOF')?.chomp, true);
    for (const bad of ["<<'EOF", '<<"EOF', "<<EOF'", '<<EOF"'])
      assert.throws(() => parseHeredocMarker(bad), bad);
    assert.deepEqual(
      heredocMarkersOfLine('cat <<A >f && cat << B && echo "<<C"').map((m) => m.name),
      ['A', 'B'],
    );
  });
});
