import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Digest } from '../../oci/digest.ts';
import { type Instruction, parseDockerfile } from '../dockerfile/index.ts';
import { canonicalJson, stepKey } from './step-key.ts';

const P1 = `sha256:${'1'.repeat(64)}` as Digest;
const P2 = `sha256:${'2'.repeat(64)}` as Digest;
/** The instructions of a one-stage Dockerfile, the FROM line left out. */
const instrs = (text: string): Instruction[] =>
  parseDockerfile(`FROM scratch\n${text}`).stages[0].instructions;
const one = (line: string) => instrs(`${line}\n`)[0];

describe('build cache step keys', () => {
  it('the same step on the same parent has the same key', () => {
    assert.equal(
      stepKey({ parent: P1, instruction: one('RUN echo hi'), inputs: { buildEnv: [] } }),
      stepKey({ parent: P1, instruction: one('RUN echo hi'), inputs: { buildEnv: [] } }),
    );
  });

  it('where the instruction was written does not count; what it says does', () => {
    const [a] = instrs('ENV A=1\n');
    const [b] = instrs('# a comment\n\n  ENV   A=1\n');
    assert.notDeepEqual(a.location, b.location);
    assert.equal(stepKey({ parent: P1, instruction: a }), stepKey({ parent: P1, instruction: b }));
    assert.notEqual(
      stepKey({ parent: P1, instruction: a }),
      stepKey({ parent: P1, instruction: one('ENV A=2') }),
    );
    assert.notEqual(
      stepKey({ parent: P1, instruction: one('COPY a /b') }),
      stepKey({ parent: P1, instruction: one('COPY --chmod=600 a /b') }),
      'flags are part of the key',
    );
    assert.notEqual(
      stepKey({ parent: P1, instruction: one('COPY <<EOF /f\none\nEOF') }),
      stepKey({ parent: P1, instruction: one('COPY <<EOF /f\ntwo\nEOF') }),
      'heredoc bodies are part of the key',
    );
  });

  it('another parent, other build args or other inputs give another key', () => {
    const run = one('RUN make');
    const base = stepKey({ parent: P1, instruction: run, inputs: { buildEnv: ['V=1'] } });
    assert.notEqual(stepKey({ parent: P2, instruction: run, inputs: { buildEnv: ['V=1'] } }), base);
    assert.notEqual(stepKey({ parent: P1, instruction: run, inputs: { buildEnv: ['V=2'] } }), base);
    const copy = one('COPY . /src');
    assert.notEqual(
      stepKey({ parent: P1, instruction: copy, inputs: { context: 'sha256:a' } }),
      stepKey({ parent: P1, instruction: copy, inputs: { context: 'sha256:b' } }),
    );
  });

  it('canonical JSON sorts keys at every depth and drops undefined members', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: null } }),
      canonicalJson({ a: { c: null, d: [1, { f: 2 }] }, b: 1 }),
    );
    assert.equal(canonicalJson({ b: 1, a: 2 }), '{"a":2,"b":1}');
  });
});
