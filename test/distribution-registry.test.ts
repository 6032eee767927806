// The registry client against Debian's distribution registry, at the library
// level (what berthd calls): push and pull round trips keep image ID and
// manifest digest; pull by digest and every tag; a multi-platform index made
// by skopeo; blobs the registry has are skipped, blobs another repository has
// are mounted, large blobs go up in chunks; docker.io pulls go through a
// mirror; foreign layers stay out of the registry and come from their URL.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DistributionService } from '../src/distribution/distribution-service.ts';
import type { ProgressMessage } from '../src/distribution/progress.ts';
import { pullImage } from '../src/distribution/pull.ts';
import { pushImage } from '../src/distribution/push.ts';
import { defaultRegistryConfig, type RegistryConfig } from '../src/distribution/registry-config.ts';
import {
  makeImage,
  makeIndex,
  makeLayer,
  randomLayer,
  type TestImage,
  type TestLayer,
} from '../src/distribution/testing/image-fixtures.ts';
import { StubRegistry, serveBlob } from '../src/distribution/testing/stub-registry.ts';
import { type TempStore, tempStore } from '../src/image/archive/testing/fixtures.ts';
import type { ImageStore } from '../src/image/image-store.ts';
import { writeImage } from '../src/image/write-image.ts';
import type { ImageConfig, Platform } from '../src/oci/descriptor.ts';
import { MediaType } from '../src/oci/media-types.ts';
import { hostPlatform } from '../src/oci/platform.ts';
import { run } from './helpers/berth.ts';
import { CountingProxy, registryMissing, TestRegistry } from './helpers/registry.ts';

const skip = registryMissing();

/** Put an image made in memory into a store, tagged `name`. */
async function storeImage(store: ImageStore, layers: TestLayer[], name: string, label = 'test') {
  for (const l of layers) await store.content.put(l.bytes, { digest: l.descriptor.digest });
  const p = hostPlatform();
  const config: ImageConfig = {
    architecture: p.architecture,
    os: p.os,
    config: { Labels: { made: label } },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map(() => ({ created_by: label })),
  };
  return writeImage(
    store,
    config,
    layers.map((l) => l.descriptor),
    { names: [name] },
  );
}

describe('pull and push with the distribution registry', { skip }, () => {
  let registry: TestRegistry;
  let proxy: CountingProxy;
  let stores: TempStore[] = [];
  let service: DistributionService;
  let layers: TestLayer[];
  const fresh = async () => {
    const s = await tempStore('berth-distribution-');
    stores.push(s);
    return s.store;
  };
  const newService = async (config: Partial<RegistryConfig> = {}, extra = {}) => {
    service?.close();
    service = await DistributionService.create({
      config: { ...defaultRegistryConfig(), ...config },
      ...extra,
    });
    return service;
  };

  before(async () => {
    registry = await TestRegistry.start();
    proxy = await CountingProxy.start(registry.url);
    layers = [
      await makeLayer({ 'etc/os': 'berth\n' }),
      await randomLayer(2 << 20),
      await makeLayer({ 'etc/top': 'x' }),
    ];
  });
  after(async () => {
    await proxy?.stop();
    await registry?.stop();
  });
  beforeEach(async () => {
    await newService();
    proxy.requests.length = 0;
  });
  afterEach(() => {
    service.close();
    for (const s of stores) s.close();
    stores = [];
  });

  it('pushes an image and pulls it back into another store: same image ID and manifest digest', async () => {
    const a = await fresh();
    const name = `${registry.host}/round/trip:v1`;
    const image = await storeImage(a, layers, name);
    const progress: ProgressMessage[] = [];
    const [pushed] = await pushImage(service, a, { reference: name, onProgress: (m) => progress.push(m) });
    assert.equal(pushed.digest, image.manifest.digest);
    assert.equal(progress[0].status, `The push refers to repository [${registry.host}/round/trip]`);
    assert.equal(progress.filter((m) => m.status === 'Pushed').length, 3);
    assert.equal(
      progress.at(-2)?.status,
      `v1: digest: ${image.manifest.digest} size: ${image.manifest.size}`,
    );
    assert.deepEqual(a.resolve(name).repoDigests, [`${registry.host}/round/trip@${image.manifest.digest}`]);

    const b = await fresh();
    const said: ProgressMessage[] = [];
    const [pulled] = await pullImage(service, b, { reference: name, onProgress: (m) => said.push(m) });
    assert.equal(pulled.image.id, image.id);
    assert.equal(pulled.image.manifest.digest, image.manifest.digest);
    assert.deepEqual(pulled.image.repoDigests, [`${registry.host}/round/trip@${image.manifest.digest}`]);
    assert.deepEqual(
      await b.content.readBytes(image.manifest.digest),
      await a.content.readBytes(image.manifest.digest),
    );
    const statuses = said.map((m) => (m.id ? `${m.id}: ${m.status}` : m.status));
    assert.equal(statuses[0], 'v1: Pulling from round/trip');
    assert.deepEqual(statuses.slice(-2), [
      `Digest: ${image.manifest.digest}`,
      `Status: Downloaded newer image for ${registry.host}/round/trip:v1`,
    ]);
    assert.equal(said.filter((m) => m.status === 'Pull complete').length, 3);
    // Every layer unpacked and verified: the image is ready to run.
    assert.ok((await b.topSnapshot(pulled.image)) !== undefined);
  });

  it('pulls by digest, without a tag', async () => {
    const a = await fresh();
    const image = await storeImage(a, layers.slice(0, 1), `${registry.host}/by/digest:v1`);
    await pushImage(service, a, { reference: `${registry.host}/by/digest:v1` });
    const b = await fresh();
    const ref = `${registry.host}/by/digest@${image.manifest.digest}`;
    const [pulled] = await pullImage(service, b, { reference: ref });
    assert.equal(pulled.image.id, image.id);
    assert.deepEqual(pulled.image.tags, []);
    assert.equal(b.resolve(ref).id, image.id);
    assert.equal((await pullImage(service, b, { reference: ref }))[0].upToDate, true);
  });

  it('pushes and pulls every tag of a repository', async () => {
    const a = await fresh();
    const one = await storeImage(a, layers.slice(0, 1), `${registry.host}/all/tags:one`, 'one');
    const two = await storeImage(a, layers.slice(0, 2), `${registry.host}/all/tags:two`, 'two');
    const pushed = await pushImage(service, a, { reference: `${registry.host}/all/tags`, allTags: true });
    assert.deepEqual(
      pushed.map((p) => p.tag),
      ['one', 'two'],
    );
    const b = await fresh();
    const said: ProgressMessage[] = [];
    const pulled = await pullImage(service, b, {
      reference: `${registry.host}/all/tags`,
      allTags: true,
      onProgress: (m) => said.push(m),
    });
    assert.deepEqual(
      pulled.map((p) => p.image.id),
      [one.id, two.id],
    );
    assert.equal(b.resolve(`${registry.host}/all/tags:two`).id, two.id);
    assert.equal(said.at(-1)?.status, `Status: Downloaded newer image for ${registry.host}/all/tags`);
    await assert.rejects(
      pullImage(service, b, { reference: `${registry.host}/all/tags:one`, allTags: true }),
      /tag can't be used with --all-tags/,
    );
  });

  it('skips blobs the registry has: a second push is HEADs and the manifest only', async () => {
    const a = await fresh();
    const name = `${proxy.host}/skip/me:v1`;
    await storeImage(a, layers, name);
    await pushImage(service, a, { reference: name });
    const uploads = proxy.count('POST', /\/blobs\/uploads\//);
    assert.equal(uploads, 4); // three layers and the config
    proxy.requests.length = 0;
    const progress: ProgressMessage[] = [];
    await pushImage(service, a, { reference: name, onProgress: (m) => progress.push(m) });
    assert.equal(proxy.count('HEAD', /\/blobs\/sha256:/), 4);
    assert.equal(proxy.count('POST', /\/blobs\/uploads\//), 0);
    assert.equal(proxy.count('PUT', /\/blobs\/uploads\//), 0);
    assert.equal(proxy.count('PATCH', /./), 0);
    assert.equal(proxy.count('PUT', /\/manifests\/v1$/), 1);
    assert.equal(progress.filter((m) => m.status === 'Layer already exists').length, 3);
  });

  it('mounts blobs from another repository of the same registry instead of uploading them', async () => {
    const a = await fresh();
    const name = `${proxy.host}/mount/from:v1`;
    await storeImage(a, layers.slice(0, 2), name);
    await pushImage(service, a, { reference: name });
    await a.tag(name, `${proxy.host}/mount/to:v1`);
    proxy.requests.length = 0;
    const progress: ProgressMessage[] = [];
    await pushImage(service, a, {
      reference: `${proxy.host}/mount/to:v1`,
      onProgress: (m) => progress.push(m),
    });
    const mounts = proxy.requests.filter((r) => r.method === 'POST' && r.path.includes('mount='));
    assert.equal(mounts.length, 3);
    assert.ok(mounts.every((r) => r.path.includes('from=mount%2Ffrom') && r.status === 201));
    assert.equal(proxy.count('PUT', /\/blobs\/uploads\//), 0);
    assert.equal(progress.filter((m) => m.status === 'Mounted from mount/from').length, 2);

    // A pulled image remembers where its blobs came from, too.
    const b = await fresh();
    await pullImage(service, b, { reference: `${proxy.host}/mount/to:v1` });
    await b.tag(`${proxy.host}/mount/to:v1`, `${proxy.host}/mount/third:v1`);
    proxy.requests.length = 0;
    await pushImage(service, b, { reference: `${proxy.host}/mount/third:v1` });
    assert.ok(proxy.requests.some((r) => r.path.includes('mount=') && r.status === 201));
    assert.equal(proxy.count('PUT', /\/blobs\/uploads\//), 0);
  });

  it('uploads a large blob in PATCH chunks and a small one in a single PUT', async () => {
    await newService({}, { monolithicMax: 64 << 10, chunkSize: 512 << 10 });
    const a = await fresh();
    const name = `${proxy.host}/chunked/up:v1`;
    await storeImage(a, layers.slice(1, 2), name);
    await pushImage(service, a, { reference: name });
    const patches = proxy.requests.filter((r) => r.method === 'PATCH');
    assert.equal(patches.length, Math.ceil(layers[1].descriptor.size / (512 << 10)));
    assert.deepEqual(patches[0].headers['content-range'], `0-${(512 << 10) - 1}`);
    // The config is small: one PUT with its body.
    const puts = proxy.requests.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/'));
    assert.equal(puts.length, 2);
    assert.ok(puts.some((r) => r.headers['content-length'] !== '0'));
    const b = await fresh();
    assert.equal(
      (await pullImage(service, b, { reference: name }))[0].image.manifest.digest,
      a.resolve(name).manifest.digest,
    );
  });

  it('pulls docker.io names through a configured mirror', async () => {
    const a = await fresh();
    const image = await storeImage(a, layers.slice(0, 1), `${proxy.host}/library/busybox:latest`);
    await pushImage(service, a, { reference: `${proxy.host}/library/busybox:latest` });
    await newService({ mirrors: [new URL(`http://${proxy.host}`)] });
    proxy.requests.length = 0;
    const b = await fresh();
    const [pulled] = await pullImage(service, b, { reference: 'busybox' });
    assert.equal(pulled.image.id, image.id);
    assert.deepEqual(pulled.image.tags, ['docker.io/library/busybox:latest']);
    assert.ok(proxy.count('GET', /^\/v2\/library\/busybox\/manifests\/latest$/) >= 1);
  });

  it('leaves foreign layers out of a push and pulls them from their URL', async () => {
    const files = await StubRegistry.start();
    try {
      const layer = await makeLayer({ 'licensed.txt': 'not for redistribution' });
      const url = `${files.url}/layers/licensed.tar.gz`;
      files.hook = (req, res, path) => {
        if (path !== '/layers/licensed.tar.gz') return false;
        serveBlob(req, res, layer.bytes);
        return true;
      };
      const foreign: TestLayer = {
        ...layer,
        descriptor: { ...layer.descriptor, mediaType: MediaType.DockerForeignLayerGzip, urls: [url] },
      };
      const a = await fresh();
      const name = `${proxy.host}/foreign/layer:v1`;
      const image = await storeImage(a, [foreign, layers[0]], name);
      const progress: ProgressMessage[] = [];
      await pushImage(service, a, { reference: name, onProgress: (m) => progress.push(m) });
      assert.ok(progress.some((m) => m.status === 'Skipped foreign layer'));
      assert.equal(proxy.count('HEAD', new RegExp(layer.descriptor.digest)), 0);
      const b = await fresh();
      const [pulled] = await pullImage(service, b, { reference: name });
      assert.equal(pulled.image.id, image.id);
      assert.equal(files.count('GET', /^\/layers\/licensed\.tar\.gz$/), 1);
    } finally {
      await files.stop();
    }
  });
});

describe('Docker schema2 images', { skip: skip ?? (await skopeoMissing()) }, () => {
  it('pulls a schema2 image skopeo converted, and pushes it back byte for byte', async () => {
    const registry = await TestRegistry.start();
    const service = await DistributionService.create({ config: defaultRegistryConfig() });
    const [a, b] = [await tempStore('berth-v2s2-'), await tempStore('berth-v2s2-')];
    try {
      const layers = [await makeLayer({ 'etc/v2s2': 'docker\n' }), await makeLayer({ 'etc/more': 'more\n' })];
      await storeImage(a.store, layers, `${registry.host}/v2s2/src:1`);
      await pushImage(service, a.store, { reference: `${registry.host}/v2s2/src:1` });
      const copied = await run('skopeo', [
        'copy',
        '--quiet',
        '--format',
        'v2s2',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `docker://${registry.host}/v2s2/src:1`,
        `docker://${registry.host}/v2s2/img:1`,
      ]);
      assert.equal(copied.code, 0, copied.stderr);
      const [pulled] = await pullImage(service, b.store, { reference: `${registry.host}/v2s2/img:1` });
      assert.equal(pulled.image.manifest.mediaType, MediaType.DockerManifest);
      const manifest = await b.store.readManifest(pulled.image);
      assert.ok(manifest.layers.every((l) => l.mediaType === MediaType.DockerLayerGzip));
      await b.store.tag(`${registry.host}/v2s2/img:1`, `${registry.host}/v2s2/back:1`);
      const [pushed] = await pushImage(service, b.store, { reference: `${registry.host}/v2s2/back:1` });
      assert.equal(pushed.digest, pulled.digest);
    } finally {
      service.close();
      a.close();
      b.close();
      await registry.stop();
    }
  });
});

describe('a multi-platform index pushed by skopeo', { skip: skip ?? (await skopeoMissing()) }, () => {
  let registry: TestRegistry;
  let work: string;
  let service: DistributionService;
  let stores: TempStore[] = [];
  const images: Record<string, TestImage> = {};
  const platforms: Platform[] = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ];

  before(async () => {
    registry = await TestRegistry.start();
    service = await DistributionService.create({ config: defaultRegistryConfig() });
    work = await mkdtemp(join(tmpdir(), 'berth-oci-layout-'));
    // An OCI layout holding an index of two images, copied whole (--all) into the registry.
    const layout = join(work, 'layout');
    await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
    const put = (bytes: Buffer, digest: string) =>
      writeFile(join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
    for (const p of platforms) {
      const image = makeImage([await makeLayer({ arch: p.architecture })], p, p.architecture);
      images[p.architecture] = image;
      for (const b of [image.config, ...image.layers, image.manifest])
        await put(b.bytes, b.descriptor.digest);
    }
    const index = makeIndex(platforms.map((p) => ({ image: images[p.architecture], platform: p })));
    await put(index.bytes, index.descriptor.digest);
    await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ ...index.descriptor, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }],
      }),
    );
    const copied = await run('skopeo', [
      'copy',
      '--all',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${layout}:v1`,
      `docker://${registry.host}/multi/arch:v1`,
    ]);
    assert.equal(copied.code, 0, copied.stderr);
  });
  after(async () => {
    service?.close();
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });
  afterEach(() => {
    for (const s of stores) s.close();
    stores = [];
  });
  const fresh = async () => {
    const s = await tempStore('berth-multi-');
    stores.push(s);
    return s.store;
  };

  it("resolves to the host's platform, and the tag names the index", async () => {
    const host = hostPlatform();
    const want = images[host.architecture];
    const store = await fresh();
    const [pulled] = await pullImage(service, store, { reference: `${registry.host}/multi/arch:v1` });
    if (!want) {
      assert.fail(`the test index has no ${host.architecture} image`);
    }
    assert.equal(pulled.image.id, want.config.descriptor.digest);
    const index = await store.content.readIndex();
    const tagged = index.manifests.find((d) =>
      d.annotations?.['org.opencontainers.image.ref.name']?.endsWith(':v1'),
    );
    assert.equal(tagged?.mediaType, MediaType.OciIndex);
    assert.equal(tagged?.digest, pulled.digest);
  });

  it('--platform picks another one', async () => {
    const other = platforms.find((p) => p.architecture !== hostPlatform().architecture)!;
    const store = await fresh();
    const [pulled] = await pullImage(service, store, {
      reference: `${registry.host}/multi/arch:v1`,
      platform: other,
    });
    assert.equal(pulled.image.id, images[other.architecture].config.descriptor.digest);
    const config = await store.readConfig(pulled.image);
    assert.equal(config.architecture, other.architecture);
  });
});

async function skopeoMissing(): Promise<string | undefined> {
  const r = await run('skopeo', ['--version']).catch(() => undefined);
  return r?.code === 0 ? undefined : 'skopeo is not installed';
}
