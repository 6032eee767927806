import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDockerfile, type Stage } from '../dockerfile/index.ts';
import { neededStages, stageDependencies, stageRefs, staticFromResolver } from './stage-graph.ts';

const DOCKERFILE = [
  'ARG BASE=busybox',
  'FROM $BASE AS a',
  'FROM busybox AS b',
  'RUN --mount=type=bind,from=a,target=/a true',
  'FROM busybox AS c',
  'FROM a AS d',
  'COPY --from=b /x /x',
  'FROM busybox AS e',
  'ARG SRC=c',
  'COPY --from=$SRC /y /y',
  'FROM busybox',
  'COPY --from=d /x /x',
  'COPY --from=e /y /y',
  '',
].join('\n');

describe('stage graph', () => {
  const p = parseDockerfile(DOCKERFILE);
  const globals = new Map([['BASE', 'busybox']]);
  const fromOf = (s: Stage) => (s.from.image === '$BASE' ? 'busybox' : s.from.image);
  const refsOf = (s: Stage) => stageRefs(s, fromOf, staticFromResolver(globals, new Map()));

  it('depends on FROM, COPY --from and RUN --mount from= stages, --from variables resolved', () => {
    const deps = stageDependencies(p.stages, refsOf);
    assert.deepEqual(
      [...deps.entries()],
      [
        [0, []],
        [1, [0]],
        [2, []],
        [3, [0, 1]],
        [4, [2]],
        [5, [3, 4]],
      ],
    );
    const byArg = stageDependencies(p.stages, (s) =>
      stageRefs(s, fromOf, staticFromResolver(globals, new Map([['SRC', 'a']]))),
    );
    assert.deepEqual(byArg.get(4), [0], 'a build arg picks the stage');
  });

  it('needs only what the target reaches', () => {
    const names = (t: number) => neededStages(p.stages, p.stages[t], fromOf, refsOf).map((s) => s.index);
    assert.deepEqual(names(5), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(names(3), [0, 1, 3]);
    assert.deepEqual(names(4), [2, 4]);
    assert.deepEqual(names(2), [2]);
  });

  it('an unresolvable --from with a variable depends on every earlier stage', () => {
    const q = parseDockerfile(
      'FROM busybox AS a\nFROM busybox AS b\nFROM busybox\nCOPY --from=$WHICH /x /x\n',
    );
    const deps = stageDependencies(q.stages, (s) =>
      stageRefs(s, (x) => x.from.image, staticFromResolver(new Map(), new Map())),
    );
    assert.deepEqual(deps.get(2), [0, 1]);
  });

  it("a stage FROM an earlier one depends on what that one's ONBUILD triggers name", () => {
    const q = parseDockerfile(
      [
        'FROM busybox AS assets',
        'FROM busybox AS tools',
        'FROM busybox AS template',
        'ONBUILD COPY --from=assets /a /a',
        'ONBUILD RUN --mount=type=bind,from=tools,target=/t true',
        'FROM template',
        '',
      ].join('\n'),
    );
    const deps = stageDependencies(q.stages, (s) => stageRefs(s, (x) => x.from.image, undefined, q.stages));
    assert.deepEqual(deps.get(3), [0, 1, 2]);
    assert.deepEqual(deps.get(2), [], 'the stage declaring the triggers does not run them');
    const without = stageDependencies(q.stages, (s) => stageRefs(s, (x) => x.from.image));
    assert.deepEqual(without.get(3), [2], 'without the stages, only FROM');
  });
});
