// The API server in-process with berth's own Client: routing, version handling,
// errors, JSON and streamed bodies both ways, and graceful close.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Client, DaemonError, filtersParam, readJsonLines } from '../cli/client.ts';
import { BerthError, conflict, notFound } from '../util/errors.ts';
import { MAX_API_VERSION } from './api-version.ts';
import { lazyService } from './daemon-context.ts';
import { silentLogger } from './logger.ts';
import { Router } from './router.ts';
import { ApiServer } from './server.ts';

async function readText(stream: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

describe('ApiServer with Client', () => {
  let dir: string;
  let server: ApiServer;
  let client: Client;
  let release: (() => void) | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-api-'));
    const router = new Router()
      .add(['GET', 'HEAD'], '/_ping', (ctx) => ctx.text(200, 'OK'))
      .get('/echo/{name:.*}/json', (ctx) => ({
        name: ctx.params.name,
        version: ctx.apiVersion,
        all: ctx.bool('all'),
        limit: ctx.int('limit', -1),
        filters: ctx.filters().toJSON(),
      }))
      .post('/json', async (ctx) => ({ got: (await ctx.readJson(64)) ?? null }))
      .post('/upload', async (ctx) => ({ bytes: (await readText(ctx.body())).length }))
      .get('/download', (ctx) => ctx.stream(Readable.from(['chunk-1;', 'chunk-2;']), 'application/x-tar'))
      .post('/progress', (ctx) => {
        const out = ctx.startStream();
        out.write('{"status":"one"}\n{"status":');
        out.end('"two"}\n{"status":"three"}');
      })
      .get('/missing', () => {
        throw notFound('No such image: nothere:latest');
      })
      .get('/conflict', () => {
        throw conflict('image is in use');
      })
      .get('/crash', () => {
        throw new Error('boom');
      })
      .delete('/nothing', () => undefined)
      .get('/slow', () => new Promise<string>((resolve) => (release = () => resolve('done'))));
    server = new ApiServer({ router, log: silentLogger, serverHeader: 'Berth/test (linux)' });
    await server.listen(join(dir, 'api.sock'));
    client = new Client(join(dir, 'api.sock'));
  });
  after(async () => {
    await server.close(1000);
    await rm(dir, { recursive: true, force: true });
  });

  it('negotiates the version from the ping', async () => {
    assert.equal(await client.negotiate(), MAX_API_VERSION);
    const ping = await client.ping();
    assert.equal(ping.apiVersion, MAX_API_VERSION);
    assert.equal(ping.osType, 'linux');
    assert.equal(ping.experimental, false);
  });

  it('passes params, query and the version to handlers', async () => {
    const r = await client.get<Record<string, unknown>>('/echo/team/app:v1/json', {
      all: true,
      limit: 5,
      filters: filtersParam(['label=a=1', 'dangling=true', 'label=b']),
    });
    assert.deepEqual(r, {
      name: 'team/app:v1',
      version: MAX_API_VERSION,
      all: true,
      limit: 5,
      filters: { label: ['a=1', 'b'], dangling: ['true'] },
    });
    const old = new Client(client.socketPath, '1.41');
    assert.equal((await old.get<{ version: string }>('/echo/x/json')).version, '1.41');
  });

  it('reads JSON bodies with a limit and says what is wrong', async () => {
    assert.deepEqual(await client.post('/json', { a: 1 }), { got: { a: 1 } });
    assert.deepEqual(await client.post('/json'), { got: null });
    await assert.rejects(
      client.post('/json', { big: 'x'.repeat(100) }),
      /request body is larger than the limit of 64 bytes/,
    );
    const res = await client
      .request('POST', '/json', {
        body: Readable.from(['{not json']),
        headers: { 'Content-Type': 'application/json' },
      })
      .catch((e: unknown) => e);
    assert.ok(res instanceof DaemonError);
    assert.equal(res.status, 400);
    assert.match(res.message, /request body is not valid JSON/);
  });

  it('streams bodies both ways', async () => {
    const up = await client.json<{ bytes: number }>('POST', '/upload', {
      body: Readable.from([Buffer.alloc(300_000, 1), Buffer.alloc(200_000, 2)]),
      headers: { 'Content-Type': 'application/x-tar' },
    });
    assert.equal(up.bytes, 500_000);
    const down = await client.request('GET', '/download');
    assert.equal(down.headers['content-type'], 'application/x-tar');
    assert.equal(await readText(down), 'chunk-1;chunk-2;');
  });

  it('reads a JSON-lines progress stream as objects, split anywhere', async () => {
    const res = await client.request('POST', '/progress');
    const seen: unknown[] = [];
    for await (const msg of readJsonLines(res)) seen.push(msg);
    assert.deepEqual(seen, [{ status: 'one' }, { status: 'two' }, { status: 'three' }]);
  });

  it('turns error codes into statuses, and statuses back into codes', async () => {
    const cases: [string, number, string, string][] = [
      ['/missing', 404, 'NotFound', 'No such image: nothere:latest'],
      ['/conflict', 409, 'Conflict', 'image is in use'],
      ['/crash', 500, 'Internal', 'boom'],
      ['/no-such-route', 404, 'NotFound', 'page not found'],
    ];
    for (const [path, status, code, message] of cases) {
      const err = await client.get(path).catch((e: unknown) => e);
      assert.ok(err instanceof DaemonError, path);
      assert.ok(err instanceof BerthError);
      assert.equal(err.status, status, path);
      assert.equal(err.code, code, path);
      assert.equal(err.message, message, path);
    }
  });

  it('answers 204 when a handler returns nothing', async () => {
    const res = await client.request('DELETE', '/nothing');
    assert.equal(res.statusCode, 204);
    res.resume();
  });

  it('reports an unreachable daemon as Unavailable with Docker wording', async () => {
    const nowhere = new Client(join(dir, 'none.sock'));
    const err = await nowhere.ping().catch((e: unknown) => e);
    assert.ok(err instanceof BerthError);
    assert.equal(err.code, 'Unavailable');
    assert.match(
      err.message,
      /^Cannot connect to the berth daemon at unix:\/\/.*none\.sock\. Is the berth daemon running\?$/,
    );
  });

  it('finishes a request in flight when closing', async () => {
    const pending = client.get<string>('/slow');
    const { setTimeout: sleep } = await import('node:timers/promises');
    while (!release) await sleep(5);
    const closing = server.close(5000);
    release();
    assert.equal(await pending, 'done');
    await closing;
    await assert.rejects(client.ping(), /Cannot connect/);
  });
});

describe('lazyService', () => {
  it('opens on first use, once, and closes only what it opened', async () => {
    const events: string[] = [];
    const svc = lazyService(
      'store',
      async () => {
        events.push('open');
        return { n: 1 };
      },
      (v) => {
        events.push(`close ${v.n}`);
      },
    );
    await svc.open();
    assert.equal(events.length, 0);
    const [a, b] = await Promise.all([svc.get(), svc.get()]);
    assert.equal(a, b);
    await svc.close();
    assert.deepEqual(events, ['open', 'close 1']);
    const unused = lazyService(
      'unused',
      async () => 1,
      (): void => {
        events.push('never');
      },
    );
    await unused.close();
    assert.deepEqual(events, ['open', 'close 1']);
  });
});
