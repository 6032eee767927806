import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Router } from './router.ts';

const h = (name: string) => () => name;

describe('Router', () => {
  const router = new Router()
    .get('/images/json', h('list'))
    .get('/images/{name:.*}/json', h('inspect'))
    .get('/images/{name:.*}/history', h('history'))
    .delete('/images/{name:.*}', h('remove'))
    .post('/containers/{id}/start', h('start'))
    .add(['GET', 'HEAD'], '/_ping', h('ping'));

  const match = (method: string, path: string) => {
    const m = router.match(method, path);
    return m ? { name: (m.handler as () => string)(), params: m.params } : undefined;
  };

  it('matches fixed paths before patterns registered after them', () => {
    assert.deepEqual(match('GET', '/images/json'), { name: 'list', params: {} });
  });

  it('takes image names with slashes in a greedy parameter', () => {
    assert.deepEqual(match('GET', '/images/registry.example:5000/team/app:v1/json'), {
      name: 'inspect',
      params: { name: 'registry.example:5000/team/app:v1' },
    });
    assert.deepEqual(match('GET', '/images/json/json'), { name: 'inspect', params: { name: 'json' } });
    assert.deepEqual(match('DELETE', '/images/team/app'), { name: 'remove', params: { name: 'team/app' } });
    assert.deepEqual(match('GET', '/images/a/b/history'), { name: 'history', params: { name: 'a/b' } });
  });

  it('decodes parameters', () => {
    assert.deepEqual(match('GET', '/images/team%2Fapp%3Av1/json'), {
      name: 'inspect',
      params: { name: 'team/app:v1' },
    });
    assert.throws(() => router.match('GET', '/images/%E0%A4%A/json'), /not valid percent-encoding/);
  });

  it('matches a plain parameter within one segment only', () => {
    assert.deepEqual(match('POST', '/containers/abc/start'), { name: 'start', params: { id: 'abc' } });
    assert.equal(match('POST', '/containers/a/b/start'), undefined);
  });

  it('matches methods, several per route', () => {
    assert.equal(match('HEAD', '/_ping')?.name, 'ping');
    assert.equal(match('get', '/_ping')?.name, 'ping');
    assert.equal(match('POST', '/_ping'), undefined);
    assert.equal(match('GET', '/containers/abc/start'), undefined);
  });

  it('refuses bad patterns', () => {
    assert.throws(() => new Router().get('images', h('x')), /must start with "\/"/);
    assert.throws(() => new Router().get('/images/{name', h('x')), /unclosed/);
    assert.throws(() => new Router().get('/images/{na-me}', h('x')), /bad parameter name/);
  });
});
