// The registry client against a registry that misbehaves on purpose (a small
// node:http stub): a blob with wrong bytes is refused and nothing of it is
// committed; a cut connection is resumed with Range, in the same pull and in
// the next one; 429 and 5xx answers are retried, Retry-After respected;
// bearer tokens are fetched once per scope and again when refused; a
// manifest that is not what its digest says is refused; a foreign layer
// comes from its URL.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { afterEach, before, beforeEach, describe, it } from 'node:test';
import type { FsContentStore } from '../src/content/fs-content-store.ts';
import { DistributionService } from '../src/distribution/distribution-service.ts';
import { ensureImage } from '../src/distribution/ensure-image.ts';
import { login } from '../src/distribution/login.ts';
import { type ProgressMessage, shortDigest } from '../src/distribution/progress.ts';
import { pullImage } from '../src/distribution/pull.ts';
import { defaultRegistryConfig } from '../src/distribution/registry-config.ts';
import {
  makeImage,
  makeIndex,
  makeLayer,
  randomLayer,
  type TestImage,
} from '../src/distribution/testing/image-fixtures.ts';
import { StubRegistry, serveBlob } from '../src/distribution/testing/stub-registry.ts';
import { type TempStore, tempStore } from '../src/image/archive/testing/fixtures.ts';
import { MediaType } from '../src/oci/media-types.ts';
import { isBerthError } from '../src/util/errors.ts';

let stub: StubRegistry;
let store: TempStore;
let service: DistributionService;
const retries: { reason: string; delayMs: number }[] = [];

async function newService(overrides: Partial<ReturnType<typeof defaultRegistryConfig>> = {}) {
  service?.close();
  service = await DistributionService.create({
    config: { ...defaultRegistryConfig(), ...overrides },
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    onRetry: (r) => retries.push({ reason: r.reason, delayMs: r.delayMs }),
  });
}

beforeEach(async () => {
  stub = await StubRegistry.start();
  store = await tempStore('berth-pull-stub-');
  retries.length = 0;
  await newService();
});
afterEach(async () => {
  service.close();
  await stub.stop();
  store.close();
});

const pull = (reference: string) =>
  pullImage(service, store.store, { reference: `${stub.host}/${reference}` });

async function listBlobs(): Promise<string[]> {
  const out: string[] = [];
  for await (const b of store.store.content.list()) out.push(b.digest);
  return out;
}

describe('pulling from a misbehaving registry', () => {
  let image: TestImage;
  before(async () => {
    image = makeImage([await makeLayer({ 'etc/hello': 'hello\n' }), await randomLayer(3 << 20)]);
  });

  it('pulls a good image: layers unpacked, tag and repo digest recorded', async () => {
    stub.addImage('team/app', 'v1', image);
    const [pulled] = await pull('team/app:v1');
    assert.equal(pulled.image.id, image.config.descriptor.digest);
    assert.equal(pulled.digest, image.manifest.descriptor.digest);
    assert.deepEqual(pulled.image.tags, [`${stub.host}/team/app:v1`]);
    assert.deepEqual(pulled.image.repoDigests, [`${stub.host}/team/app@${image.manifest.descriptor.digest}`]);
    // The manifest is kept byte for byte.
    assert.deepEqual(
      await store.store.content.readBytes(image.manifest.descriptor.digest),
      image.manifest.bytes,
    );
    assert.equal((await pull('team/app:v1'))[0].upToDate, true);
  });

  it('refuses a layer whose bytes are not its digest, and commits nothing of the image', async () => {
    stub.addImage('team/bad', 'v1', image);
    const target = image.layers[1].descriptor.digest;
    stub.hook = (req, res, path) => {
      if (!path.endsWith(`/blobs/${target}`)) return false;
      const wrong = Buffer.from(stub.blobs.get(target)!);
      wrong[wrong.length - 1] ^= 0xff;
      serveBlob(req, res, wrong);
      return true;
    };
    await assert.rejects(pull('team/bad:v1'), (err) => isBerthError(err, 'DigestMismatch'));
    assert.equal(store.store.list().length, 0);
    assert.equal(store.store.tagOf(`${stub.host}/team/bad:v1`), undefined);
    assert.equal(await store.store.content.has(target), false);
    // Once the collector has run, nothing of the refused pull is left at all.
    await store.store.collectGarbage();
    assert.deepEqual(await listBlobs(), []);
    const ingests = [];
    for await (const i of (store.store.content as FsContentStore).listIngests()) ingests.push(i);
    assert.deepEqual(ingests, []);
  });

  it('fetches only the layers it lacks: the shared base "Already exists"', async () => {
    stub.addImage('team/base', 'v1', image);
    const top = makeImage([...image.layers, await makeLayer({ 'etc/top': 'top' })]);
    stub.addImage('team/top', 'v1', top);
    await pull('team/base:v1');
    const said: ProgressMessage[] = [];
    await pullImage(service, store.store, {
      reference: `${stub.host}/team/top:v1`,
      onProgress: (m) => said.push(m),
    });
    const statusOf = (digest: string) =>
      said.filter((m) => m.id === shortDigest(digest)).map((m) => m.status);
    assert.deepEqual(statusOf(image.layers[0].descriptor.digest), ['Already exists']);
    assert.deepEqual(statusOf(image.layers[1].descriptor.digest), ['Already exists']);
    assert.deepEqual(
      statusOf(top.layers[2].descriptor.digest).filter((s) => s !== 'Downloading' && s !== 'Extracting'),
      ['Pulling fs layer', 'Verifying Checksum', 'Download complete', 'Pull complete'],
    );
    assert.equal(stub.count('GET', new RegExp(image.layers[1].descriptor.digest)), 1);
  });

  it('resumes a cut download with Range in the same pull', async () => {
    stub.addImage('team/cut', 'v1', image);
    const big = image.layers[1];
    let cut = false;
    const ranges: string[] = [];
    stub.hook = (req, res, path) => {
      if (!path.endsWith(`/blobs/${big.descriptor.digest}`)) return false;
      if (req.headers.range) ranges.push(req.headers.range);
      if (cut) return false;
      cut = true;
      cutHalfWay(res, big.bytes);
      return true;
    };
    const [pulled] = await pull('team/cut:v1');
    assert.equal(pulled.image.id, image.config.descriptor.digest);
    assert.equal(ranges.length, 1);
    const from = Number(/^bytes=(\d+)-$/.exec(ranges[0])?.[1]);
    assert.ok(from > 0 && from <= big.bytes.length / 2, `resumed from ${from}`);
  });

  it('resumes on the next pull when the first one gave up', async () => {
    await newService({ maxDownloadAttempts: 1 });
    stub.addImage('team/later', 'v1', image);
    const big = image.layers[1];
    let cuts = 0;
    const ranges: string[] = [];
    stub.hook = (req, res, path) => {
      if (!path.endsWith(`/blobs/${big.descriptor.digest}`)) return false;
      if (req.headers.range) ranges.push(req.headers.range);
      if (cuts++ > 0) return false;
      cutHalfWay(res, big.bytes);
      return true;
    };
    await assert.rejects(pull('team/later:v1'), (err) => isBerthError(err, 'Unavailable'));
    assert.equal(store.store.list().length, 0);
    assert.deepEqual(ranges, []);
    const [pulled] = await pull('team/later:v1');
    assert.equal(pulled.image.id, image.config.descriptor.digest);
    assert.equal(ranges.length, 1);
    assert.ok(Number(/^bytes=(\d+)-$/.exec(ranges[0])?.[1]) > 0);
  });

  it('starts over when the registry ignores the range', async () => {
    stub.addImage('team/norange', 'v1', image);
    const big = image.layers[1];
    let first = true;
    stub.hook = (_req, res, path) => {
      if (!path.endsWith(`/blobs/${big.descriptor.digest}`)) return false;
      if (first) {
        first = false;
        cutHalfWay(res, big.bytes);
      } else {
        res.writeHead(200, { 'Content-Length': big.bytes.length });
        res.end(big.bytes);
      }
      return true;
    };
    const [pulled] = await pull('team/norange:v1');
    assert.equal(pulled.image.id, image.config.descriptor.digest);
  });

  it('retries 429 (waiting as long as Retry-After says) and 5xx answers', async () => {
    stub.addImage('team/busy', 'v1', image);
    let manifestTries = 0;
    let blobTries = 0;
    stub.hook = (_req, res, path) => {
      if (path.includes('/manifests/') && manifestTries++ === 0) {
        res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'application/json' });
        res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
        return true;
      }
      if (path.endsWith(image.layers[0].descriptor.digest) && blobTries++ < 2) {
        res.writeHead(blobTries === 1 ? 503 : 502);
        res.end();
        return true;
      }
      return false;
    };
    const [pulled] = await pull('team/busy:v1');
    assert.equal(pulled.image.id, image.config.descriptor.digest);
    assert.deepEqual(
      retries.map((r) => r.reason),
      ['status 429', 'status 503', 'status 502'],
    );
    assert.equal(retries[0].delayMs, 1000);
  });

  it('gives up on a registry that keeps failing, with its answer in the error', async () => {
    await newService();
    stub.addImage('team/down', 'v1', image);
    stub.hook = (_req, res, path) => {
      if (!path.includes('/manifests/')) return false;
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end('{"errors":[{"code":"UNAVAILABLE","message":"maintenance"}]}');
      return true;
    };
    await assert.rejects(pull('team/down:v1'), /unavailable: maintenance/);
    assert.equal(stub.count('GET', /manifests/), service.retry.attempts);
  });

  it('refuses a manifest that is not what its digest says', async () => {
    stub.addImage('team/lie', 'v1', image);
    const other = makeImage(image.layers, undefined, 'other');
    // The registry names one digest and sends another manifest.
    stub.hook = (req, res, path) => {
      if (!path.includes('/manifests/')) return false;
      res.writeHead(200, {
        'Content-Type': MediaType.OciManifest,
        'Docker-Content-Digest': image.manifest.descriptor.digest,
      });
      res.end(req.method === 'HEAD' ? undefined : other.manifest.bytes);
      return true;
    };
    await assert.rejects(pull('team/lie:v1'), (err) => isBerthError(err, 'DigestMismatch'));
    await assert.rejects(
      pull(`team/lie@${image.manifest.descriptor.digest}`),
      /manifest verification failed/,
    );
    assert.equal(store.store.list().length, 0);
  });

  it('says what is missing in Docker words', async () => {
    await assert.rejects(
      pull('team/none:v1'),
      /manifest for 127\.0\.0\.1:\d+\/team\/none:v1 not found: manifest unknown/,
    );
  });
});

describe('pulling with bearer tokens', () => {
  let image: TestImage;
  before(async () => {
    image = makeImage([
      await makeLayer({ a: 'a' }),
      await makeLayer({ b: 'b' }),
      await makeLayer({ c: 'c' }),
    ]);
  });
  let authStub: StubRegistry;
  beforeEach(async () => {
    authStub = await StubRegistry.start({ users: { alice: 'pw' } });
    authStub.addImage('private/app', 'v1', image);
  });
  afterEach(() => authStub.stop());

  const credentials = { username: 'alice', password: 'pw' };

  it('asks the token server once for the scope and uses the token for every request', async () => {
    const [pulled] = await pullImage(service, store.store, {
      reference: `${authStub.host}/private/app:v1`,
      credentials,
    });
    assert.equal(pulled.image.id, image.config.descriptor.digest);
    assert.equal(authStub.tokenRequests, 1);
    const tokenRequest = authStub.requests.find((r) => r.path.startsWith('/token'))!;
    const q = new URL(tokenRequest.path, authStub.url).searchParams;
    assert.deepEqual(q.getAll('scope'), ['repository:private/app:pull']);
    assert.equal(q.get('service'), 'stub');
    assert.equal(q.get('account'), 'alice');
    // A second pull within the token's life asks nothing of the token server.
    await pullImage(service, store.store, { reference: `${authStub.host}/private/app:v1`, credentials });
    assert.equal(authStub.tokenRequests, 1);
  });

  it('fetches a new token when the registry refuses the cached one', async () => {
    await pullImage(service, store.store, { reference: `${authStub.host}/private/app:v1`, credentials });
    authStub.revokeTokens();
    const [again] = await pullImage(service, store.store, {
      reference: `${authStub.host}/private/app:v1`,
      credentials,
    });
    assert.equal(again.upToDate, true);
    assert.equal(authStub.tokenRequests, 2);
  });

  it('logs in for an identity token and pulls with it, by the refresh grant', async () => {
    const result = await login(service, { ...credentials, serveraddress: authStub.host });
    assert.deepEqual(result, { status: 'Login Succeeded', identityToken: 'refresh-alice' });
    const offline = authStub.requests.find((r) => r.path.includes('offline_token=true'));
    assert.ok(offline, 'the login asked for a refresh token');
    assert.match(offline.path, /client_id=docker/);
    const before = authStub.requests.length;
    const [pulled] = await pullImage(service, store.store, {
      reference: `${authStub.host}/private/app:v1`,
      credentials: { identitytoken: result.identityToken },
    });
    assert.equal(pulled.image.id, image.config.descriptor.digest);
    assert.ok(authStub.requests.slice(before).some((r) => r.method === 'POST' && r.path === '/token'));
    await assert.rejects(
      login(service, { username: 'alice', password: 'nope', serveraddress: authStub.host }),
      (err) => isBerthError(err, 'PermissionDenied') && /incorrect username or password/.test(err.message),
    );
  });

  it('refuses anonymous and wrong credentials as Docker words it', async () => {
    await assert.rejects(
      pullImage(service, store.store, { reference: `${authStub.host}/private/app:v1` }),
      /unauthorized|pull access denied/,
    );
    await assert.rejects(
      pullImage(service, store.store, {
        reference: `${authStub.host}/private/app:v1`,
        credentials: { username: 'alice', password: 'nope' },
      }),
      /incorrect username or password/,
    );
    assert.equal(store.store.list().length, 0);
  });
});

describe('the lease around a pull', () => {
  it('keeps what a pull has fetched from a garbage collection running meanwhile', async () => {
    const image = makeImage([await makeLayer({ first: '1' }), await randomLayer(1 << 20)]);
    stub.addImage('team/gc', 'v1', image);
    const last = image.layers[1];
    let swept: { blobs: number } | undefined;
    stub.hook = (req, res, path) => {
      if (!path.endsWith(`/blobs/${last.descriptor.digest}`)) return false;
      // The config and the first layer are committed by now, named by no image yet.
      store.store.collectGarbage().then((r) => {
        swept = r;
        serveBlob(req, res, last.bytes);
      });
      return true;
    };
    const [pulled] = await pull('team/gc:v1');
    assert.equal(swept?.blobs, 0);
    assert.equal(pulled.image.id, image.config.descriptor.digest);
    assert.equal((await store.store.collectGarbage()).blobs, 0);
    for (const b of [image.config, ...image.layers])
      assert.equal(await store.store.content.has(b.descriptor.digest), true);
  });
});

describe('ensureImage', () => {
  it('pulls as the policy says: missing once, always every time, never not at all', async () => {
    const image = makeImage([await makeLayer({ e: 'e' })]);
    stub.addImage('team/ensure', 'v1', image);
    const ref = `${stub.host}/team/ensure:v1`;
    await assert.rejects(ensureImage(service, store.store, ref, 'never'), /No such image/);
    const manifests = () => stub.count('GET', /\/manifests\//);
    assert.equal(manifests(), 0);
    assert.equal(
      (await ensureImage(service, store.store, ref, 'missing')).id,
      image.config.descriptor.digest,
    );
    assert.equal(manifests(), 1);
    await ensureImage(service, store.store, ref, 'missing');
    await ensureImage(service, store.store, ref, 'never');
    assert.equal(manifests(), 1);
    await ensureImage(service, store.store, ref, 'always');
    assert.equal(manifests(), 2);
  });
});

describe('indexes and foreign layers', () => {
  it('picks the platform from an index; a platform it lacks is refused', async () => {
    const amd = makeImage(
      [await makeLayer({ arch: 'amd64' })],
      { os: 'linux', architecture: 'amd64' },
      'amd64',
    );
    const arm = makeImage(
      [await makeLayer({ arch: 'arm64' })],
      { os: 'linux', architecture: 'arm64' },
      'arm64',
    );
    for (const i of [amd, arm]) {
      stub.addImage('multi', i.manifest.descriptor.digest, i);
    }
    const index = makeIndex([
      { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm, platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    stub.addManifest('multi', ['v1'], index);
    const [arm64] = await pullImage(service, store.store, {
      reference: `${stub.host}/multi:v1`,
      platform: { os: 'linux', architecture: 'arm64' },
    });
    assert.equal(arm64.image.id, arm.config.descriptor.digest);
    assert.equal(arm64.digest, index.descriptor.digest);
    await assert.rejects(
      pullImage(service, store.store, {
        reference: `${stub.host}/multi:v1`,
        platform: { os: 'linux', architecture: 's390x' },
      }),
      /no matching manifest for linux\/s390x in the manifest list entries/,
    );
  });

  it('fetches a foreign layer from its URL, not from the registry', async () => {
    const layer = await makeLayer({ 'foreign.txt': 'from afar' });
    const foreign = {
      ...layer,
      descriptor: { ...layer.descriptor, mediaType: MediaType.DockerForeignLayerGzip },
    };
    const elsewhere = await StubRegistry.start();
    try {
      elsewhere.addBlob(foreign);
      const url = `${elsewhere.url}/files/layer.tar.gz`;
      elsewhere.hook = (req, res, path) => {
        if (path !== '/files/layer.tar.gz') return false;
        serveBlob(req, res, foreign.bytes);
        return true;
      };
      const image = makeImage([{ ...foreign, descriptor: { ...foreign.descriptor, urls: [url] } }]);
      stub.addBlob(image.config);
      stub.addManifest('win', ['v1'], image.manifest);
      const [pulled] = await pull('win:v1');
      assert.equal(pulled.image.id, image.config.descriptor.digest);
      assert.equal(elsewhere.count('GET', /^\/files\/layer\.tar\.gz$/), 1);
      assert.equal(stub.count('GET', /\/blobs\/sha256:/), 1); // the config only
    } finally {
      await elsewhere.stop();
    }
  });
});

/** Send half a blob under a Content-Length for all of it, then cut the connection. */
function cutHalfWay(res: ServerResponse, blob: Buffer): void {
  res.writeHead(200, { 'Content-Length': blob.length, 'Content-Type': 'application/octet-stream' });
  res.write(blob.subarray(0, blob.length >> 1), () => {
    setTimeout(() => res.socket?.destroy(), 20);
  });
}
