// BuildKit's parser and shell-lexer test data, read from ../shared/conformance
// (relative to the repository root), one test per case.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dumpAst } from './ast.ts';
import { expand, expandWords } from './expand.ts';
import { parseDockerfileAst } from './parser.ts';

const DATA = fileURLToPath(new URL('../../../../shared/conformance/dockerfile/', import.meta.url));
const read = (rel: string) => readFileSync(DATA + rel, 'utf8');
const dirs = (rel: string) => readdirSync(DATA + rel).sort();

describe('BuildKit parser testfiles (AST dump)', () => {
  const cases = dirs('testfiles');
  it('has all 33 positive cases', () => assert.equal(cases.length, 33));
  for (const name of cases) {
    it(name, () => {
      const ast = parseDockerfileAst(read(`testfiles/${name}/Dockerfile`));
      assert.equal(dumpAst(ast), read(`testfiles/${name}/result`));
    });
  }
});

describe('BuildKit parser testfiles-negative', () => {
  const expected: Record<string, RegExp> = {
    empty_dockerfile: /file with no instructions/,
    only_comments: /file with no instructions/,
    env_no_value: /^Dockerfile:3:1: ENV must have two arguments$/,
    'shykes-nested-json': /arrays must be comprised of strings only/,
  };
  const cases = dirs('testfiles-negative');
  it('has all 4 negative cases', () => assert.deepEqual(cases, Object.keys(expected).sort()));
  for (const name of cases) {
    it(name, () => {
      assert.throws(() => parseDockerfileAst(read(`testfiles-negative/${name}/Dockerfile`)), {
        message: expected[name],
      });
    });
  }
});

describe('BuildKit testfile-line', () => {
  it('keeps start and end lines of every instruction', () => {
    const ast = parseDockerfileAst(read('testfile-line/Dockerfile'));
    assert.deepEqual(
      ast.children.map((n) => [n.keyword, n.startLine, n.endLine]),
      [
        ['from', 5, 5],
        ['env', 11, 12],
        ['run', 17, 31],
      ],
    );
  });
});

describe('BuildKit shell envVarTest (ProcessWord)', () => {
  const env = { PWD: '/home', SHELL: 'bash', KOREAN: '한국어', NULL: '' };
  const lines = read('shell/envVarTest').split('\n');
  let count = 0;
  lines.forEach((line, i) => {
    if (line.startsWith('#') || line.trim() === '') return;
    const fields = line.split('|').map((f) => f.trim());
    assert.equal(fields.length, 3, `envVarTest line ${i + 1} has 3 fields`);
    const [platform, input, want] = fields;
    const title = `line ${i + 1} [${platform}] ${input}`;
    count++;
    if (platform === 'W') {
      it.skip(`${title} (Windows only: case-insensitive names)`);
      return;
    }
    it(title, () => {
      if (want === 'error') assert.throws(() => expand(input, env), { code: 'InvalidArgument' });
      else assert.equal(expand(input, env), want);
    });
  });
  it('has 230 cases (228 run on Linux)', () => assert.equal(count, 230));
});

describe('BuildKit shell wordsTest (ProcessWords)', () => {
  const env: Record<string, string> = {};
  let count = 0;
  read('shell/wordsTest')
    .split('\n')
    .forEach((line, i) => {
      if (line.startsWith('#') || line === '') return;
      if (line.startsWith('ENV ')) {
        const def = line.slice(4).replace(/^ +/, '');
        const eq = def.indexOf('=');
        env[def.slice(0, eq)] = def.slice(eq + 1);
        return;
      }
      const parts = line.split('|');
      assert.equal(parts.length, 2, `wordsTest line ${i + 1} has one |`);
      const input = parts[0].trim();
      const want = parts[1].replace(/^ +/, '').split(',');
      const snapshot = { ...env };
      count++;
      it(`line ${i + 1} ${input}`, () => {
        if (want.length === 1 && want[0] === 'error') {
          assert.throws(() => expandWords(input, snapshot), { code: 'InvalidArgument' });
        } else {
          assert.deepEqual(expandWords(input, snapshot), want);
        }
      });
    });
  it('has 24 cases', () => assert.equal(count, 24));
});
