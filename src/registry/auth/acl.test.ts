import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ACL, grantAccess, validateAcl } from './acl.ts';
import { parseScopes } from './scope.ts';

const ask = (...scopes: string[]) => parseScopes(scopes);

describe('grantAccess', () => {
  it('gives any authenticated user everything by default, catalog included', () => {
    assert.deepEqual(
      grantAccess(
        'alice',
        ask('repository:any/thing:pull,push,delete', 'registry:catalog:*', 'repository:x:*'),
        DEFAULT_ACL,
      ),
      ask('repository:any/thing:pull,push,delete', 'registry:catalog:*', 'repository:x:*'),
    );
  });

  it('gives anonymous requests nothing', () => {
    assert.deepEqual(grantAccess(undefined, ask('repository:a:pull'), DEFAULT_ACL), []);
    assert.deepEqual(grantAccess('', ask('repository:a:pull'), DEFAULT_ACL), []);
  });

  it('leaves out resource types it does not know', () => {
    assert.deepEqual(
      grantAccess('alice', ask('other:a:pull', 'repository:a:pull'), DEFAULT_ACL),
      ask('repository:a:pull'),
    );
  });

  it('grants a classed repository scope (plugins) by the repository rules, keeping the class', () => {
    assert.deepEqual(grantAccess('alice', ask('repository(plugin):vieux/sshfs:pull'), DEFAULT_ACL), [
      { type: 'repository', class: 'plugin', name: 'vieux/sshfs', actions: ['pull'] },
    ]);
  });

  const acl = validateAcl(
    [
      { account: 'alice', name: 'alice/*', actions: ['pull', 'push'] },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the ACL's placeholder
      { account: '*', name: '${account}/*', actions: ['delete'] },
      { name: 'library/*', actions: 'pull' },
      { account: 'admin', actions: ['*'] },
      { account: 'admin', type: 'registry', name: 'catalog', actions: ['*'] },
    ],
    'auth.token.acl',
  );

  it('grants only the asked actions some entry allows', () => {
    assert.deepEqual(
      grantAccess(
        'alice',
        ask(
          'repository:alice/app:pull,push,delete',
          'repository:bob/app:pull',
          'repository:library/busybox:pull,push',
        ),
        acl,
      ),
      ask('repository:alice/app:pull,push,delete', 'repository:library/busybox:pull'),
    );
    assert.deepEqual(
      grantAccess('bob', ask('repository:alice/app:pull', 'repository:bob/x/y:delete,push'), acl),
      ask('repository:bob/x/y:delete'),
    );
    assert.deepEqual(grantAccess('alice', ask('registry:catalog:*'), acl), []);
    assert.deepEqual(
      grantAccess('admin', ask('registry:catalog:*', 'repository:z:*'), acl),
      ask('registry:catalog:*', 'repository:z:*'),
    );
  });

  it('matches names whole, `*` spanning slashes, and regexp characters literally', () => {
    assert.deepEqual(grantAccess('alice', ask('repository:alice:pull', 'repository:xalice/a:pull'), acl), []);
    const dotted = validateAcl([{ account: 'a.b', name: 'a.b/*', actions: ['pull'] }], 'k');
    assert.deepEqual(
      grantAccess('a.b', ask('repository:aXb/c:pull', 'repository:a.b/c/d:pull'), dotted),
      ask('repository:a.b/c/d:pull'),
    );
  });
});

describe('validateAcl', () => {
  it('names the entry and field that is wrong', () => {
    const cases: [unknown, RegExp][] = [
      [{}, /: auth\.token\.acl: must be a list/],
      [['x'], /: auth\.token\.acl\[0\]: must be a map/],
      [
        [{ actions: ['pull'] }, { actions: ['fly'] }],
        /: auth\.token\.acl\[1\]\.actions: must list some of pull, push, delete/,
      ],
      [[{ actions: [] }], /acl\[0\]\.actions/],
      [[{ account: 3, actions: ['pull'] }], /acl\[0\]\.account: must be a user name/],
      [[{ type: 'repo', actions: ['pull'] }], /acl\[0\]\.type: must be "repository" or "registry"/],
      [[{ name: '', actions: ['pull'] }], /acl\[0\]\.name: must be a name pattern/],
      [[{ user: 'alice', actions: ['pull'] }], /acl\[0\]\.user: unknown field/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => validateAcl(value, 'auth.token.acl'), message, JSON.stringify(value));
    }
  });

  it('takes actions as a list or a comma-separated string', () => {
    assert.deepEqual(validateAcl([{ actions: 'pull, push' }], 'k'), [{ actions: ['pull', 'push'] }]);
  });
});
