import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../util/errors.ts';
import { formatScope, mergeAccess, missingAccess, parseScope, parseScopes } from './scope.ts';

describe('parseScope', () => {
  it('reads a repository scope with a path name and several actions', () => {
    assert.deepEqual(parseScope('repository:a/b:pull,push'), {
      type: 'repository',
      name: 'a/b',
      actions: ['pull', 'push'],
    });
  });

  it('keeps colons inside the name (a host with a port)', () => {
    assert.deepEqual(parseScope('repository:localhost:5000/app:pull'), {
      type: 'repository',
      name: 'localhost:5000/app',
      actions: ['pull'],
    });
  });

  it('reads the catalog scope and the wildcard action', () => {
    assert.deepEqual(parseScope('registry:catalog:*'), { type: 'registry', name: 'catalog', actions: ['*'] });
  });

  it('reads a resource class', () => {
    assert.deepEqual(parseScope('repository(plugin):vieux/sshfs:pull'), {
      type: 'repository',
      class: 'plugin',
      name: 'vieux/sshfs',
      actions: ['pull'],
    });
  });

  it('deduplicates actions', () => {
    assert.deepEqual(parseScope('repository:x:pull,pull,push').actions, ['pull', 'push']);
  });

  it('refuses what is not type:name:actions, naming the scope', () => {
    for (const bad of [
      'repository',
      'repository:a',
      ':a:pull',
      'repository::pull',
      'repo(sitory:a:pull',
      'repository(plugin:a:pull',
      'Repository:a:pull',
      'repository:a:pull,,push',
      'repository:a:PULL',
    ]) {
      assert.throws(
        () => parseScope(bad),
        (err) => isBerthError(err, 'InvalidArgument') && err.message.includes(`"${bad}"`),
        bad,
      );
    }
  });
});

describe('parseScopes', () => {
  it('reads several parameters, each maybe several scopes separated by spaces', () => {
    const scopes = parseScopes(['repository:a:pull repository:b:push', 'registry:catalog:*', '']);
    assert.deepEqual(
      scopes.map((s) => formatScope(s)),
      ['repository:a:pull', 'repository:b:push', 'registry:catalog:*'],
    );
  });
});

describe('formatScope', () => {
  it('writes what parseScope reads', () => {
    for (const text of ['repository:a/b:pull,push', 'repository(plugin):p:pull', 'registry:catalog:*']) {
      assert.equal(formatScope(parseScope(text)), text);
    }
  });
});

describe('mergeAccess', () => {
  it('folds requests on one resource together in first-seen order', () => {
    assert.deepEqual(
      mergeAccess([
        { type: 'repository', name: 'a', actions: ['pull'] },
        { type: 'repository', name: 'b', actions: ['pull'] },
        { type: 'repository', name: 'a', actions: ['push', 'pull'] },
      ]),
      [
        { type: 'repository', name: 'a', actions: ['pull', 'push'] },
        { type: 'repository', name: 'b', actions: ['pull'] },
      ],
    );
  });
});

describe('missingAccess', () => {
  const granted = [
    { type: 'repository', name: 'a', actions: ['pull'] },
    { type: 'repository', name: 'a', actions: ['push'] },
    { type: 'registry', name: 'catalog', actions: ['*'] },
  ];

  it('is empty when every asked action is granted, `*` granting any', () => {
    assert.deepEqual(
      missingAccess(granted, [
        { type: 'repository', name: 'a', actions: ['pull', 'push'] },
        { type: 'registry', name: 'catalog', actions: ['*'] },
      ]),
      [],
    );
    assert.deepEqual(missingAccess([], []), []);
  });

  it('lists each action missing', () => {
    assert.deepEqual(
      missingAccess(granted, [
        { type: 'repository', name: 'a', actions: ['pull', 'delete'] },
        { type: 'repository', name: 'b', actions: ['pull'] },
        { type: 'registry', name: 'a', actions: ['pull'] },
      ]),
      [
        { type: 'repository', name: 'a', action: 'delete' },
        { type: 'repository', name: 'b', action: 'pull' },
        { type: 'registry', name: 'a', action: 'pull' },
      ],
    );
  });
});
