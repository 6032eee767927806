import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nameFromAnnotations } from './load-plan.ts';

test('an index.json name comes from the containerd annotation, else from a whole ref.name', () => {
  const at = 'index.json: manifests[0]';
  assert.equal(
    nameFromAnnotations(
      { 'io.containerd.image.name': 'busybox', 'org.opencontainers.image.ref.name': 'latest' },
      at,
    ),
    'docker.io/library/busybox:latest',
  );
  assert.equal(
    nameFromAnnotations({ 'org.opencontainers.image.ref.name': 'busybox:1.36' }, at),
    'docker.io/library/busybox:1.36',
  );
  assert.equal(
    nameFromAnnotations({ 'org.opencontainers.image.ref.name': 'ghcr.io/a/b:v1' }, at),
    'ghcr.io/a/b:v1',
  );
  assert.equal(nameFromAnnotations({ 'org.opencontainers.image.ref.name': 'latest' }, at), undefined);
  assert.equal(nameFromAnnotations({ 'org.opencontainers.image.ref.name': 'Not:A:Ref' }, at), undefined);
  assert.equal(nameFromAnnotations(undefined, at), undefined);
  assert.equal(
    nameFromAnnotations({ 'io.containerd.image.name': `busybox@sha256:${'a'.repeat(64)}` }, at),
    undefined,
    'a digest names no tag',
  );
  assert.throws(
    () => nameFromAnnotations({ 'io.containerd.image.name': 'not a name!' }, at),
    /index\.json: manifests\[0\]\.annotations\["io\.containerd\.image\.name"\]/,
  );
});
