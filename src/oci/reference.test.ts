import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../util/errors.ts';
import {
  familiarName,
  familiarString,
  formatReference,
  imageIdDigest,
  isFullImageId,
  isReference,
  parseImageId,
  parseReference,
  parseReferenceLoose,
  parseRepositoryAndTag,
  repositoryOf,
  withDigest,
  withTag,
} from './reference.ts';

const h = (n: number, c = 'a') => c.repeat(n);
const D = `sha256:${h(64, 'b')}`;
const D512 = `sha512:${h(128, 'c')}`;

// Valid inputs: [input, full form, familiar form]. The verdicts (valid or not, and the error
// wording) were checked against the Docker 28 CLI, which parses a reference before it dials
// the daemon.
const VALID: [string, string, string][] = [
  ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
  ['ubuntu:22.04', 'docker.io/library/ubuntu:22.04', 'ubuntu:22.04'],
  ['library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['index.docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['index.docker.io/user/app', 'docker.io/user/app:latest', 'user/app:latest'],
  [
    'registry-1.docker.io/library/ubuntu',
    'registry-1.docker.io/library/ubuntu:latest',
    'registry-1.docker.io/library/ubuntu:latest',
  ],
  ['user/app', 'docker.io/user/app:latest', 'user/app:latest'],
  ['user/app/sub', 'docker.io/user/app/sub:latest', 'user/app/sub:latest'],
  ['library/a/b', 'docker.io/library/a/b:latest', 'library/a/b:latest'],
  ['docker.io/library/a/b', 'docker.io/library/a/b:latest', 'library/a/b:latest'],
  ['localhost/foo', 'localhost/foo:latest', 'localhost/foo:latest'],
  ['localhost:5000/foo', 'localhost:5000/foo:latest', 'localhost:5000/foo:latest'],
  [`localhost:5000/a/b:tag@${D}`, `localhost:5000/a/b:tag@${D}`, `localhost:5000/a/b:tag@${D}`],
  [
    'myregistry.example.com/team/app:v1.2.3',
    'myregistry.example.com/team/app:v1.2.3',
    'myregistry.example.com/team/app:v1.2.3',
  ],
  ['example.com:443/app', 'example.com:443/app:latest', 'example.com:443/app:latest'],
  ['192.168.1.1:5000/app', '192.168.1.1:5000/app:latest', '192.168.1.1:5000/app:latest'],
  ['[::1]:5000/app', '[::1]:5000/app:latest', '[::1]:5000/app:latest'],
  ['[2001:db8::1]/app', '[2001:db8::1]/app:latest', '[2001:db8::1]/app:latest'],
  // An uppercase first component is a registry, as in Docker.
  ['Foo/bar', 'Foo/bar:latest', 'Foo/bar:latest'],
  ['LOCALHOST/foo', 'LOCALHOST/foo:latest', 'LOCALHOST/foo:latest'],
  [
    'gcr.io/distroless/static-debian12:nonroot',
    'gcr.io/distroless/static-debian12:nonroot',
    'gcr.io/distroless/static-debian12:nonroot',
  ],
  [`busybox@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
  [`busybox:1@${D}`, `docker.io/library/busybox:1@${D}`, `busybox:1@${D}`],
  [`busybox@${D512}`, `docker.io/library/busybox@${D512}`, `busybox@${D512}`],
  ['a_b/c__d/e-f/g---h/i.j', 'docker.io/a_b/c__d/e-f/g---h/i.j:latest', 'a_b/c__d/e-f/g---h/i.j:latest'],
  ['a__b', 'docker.io/library/a__b:latest', 'a__b:latest'],
  ['a--b', 'docker.io/library/a--b:latest', 'a--b:latest'],
  ['busybox:Latest', 'docker.io/library/busybox:Latest', 'busybox:Latest'],
  ['busybox:_x', 'docker.io/library/busybox:_x', 'busybox:_x'],
  [`busybox:${h(128, 't')}`, `docker.io/library/busybox:${h(128, 't')}`, `busybox:${h(128, 't')}`],
  // No slash, so `localhost:5000` is the image `localhost` at tag `5000`.
  ['localhost:5000', 'docker.io/library/localhost:5000', 'localhost:5000'],
  // And a digest-looking string on its own is the image `sha256` at a hex tag.
  [`sha256:${h(64, 'd')}`, `docker.io/library/sha256:${h(64, 'd')}`, `sha256:${h(64, 'd')}`],
  ['example.com/a1/b2', 'example.com/a1/b2:latest', 'example.com/a1/b2:latest'],
  ['foo:bar', 'docker.io/library/foo:bar', 'foo:bar'],
  ['a', 'docker.io/library/a:latest', 'a:latest'],
  // The path may be 255 characters, `library/` included; the domain does not count.
  [h(247), `docker.io/library/${h(247)}:latest`, `${h(247)}:latest`],
  [`x/${h(253)}`, `docker.io/x/${h(253)}:latest`, `x/${h(253)}:latest`],
  [`localhost:5000/${h(255)}`, `localhost:5000/${h(255)}:latest`, `localhost:5000/${h(255)}:latest`],
];

const FORMAT = 'invalid reference format';
const TOO_LONG = 'repository name must not be more than 255 characters';

const INVALID: [string, string | RegExp][] = [
  ['Busybox', 'invalid reference format: repository name (library/Busybox) must be lowercase'],
  ['UPPER', 'invalid reference format: repository name (library/UPPER) must be lowercase'],
  ['user/App', 'invalid reference format: repository name (user/App) must be lowercase'],
  ['localhost:5000/A/b', 'invalid reference format: repository name (A/b) must be lowercase'],
  // Docker checks case before the `@`, so an uppercase algorithm fails as a name.
  [
    'busybox@SHA256:ab',
    'invalid reference format: repository name (library/busybox@SHA256) must be lowercase',
  ],
  ['', FORMAT],
  ['a//b', FORMAT],
  ['a/b/', FORMAT],
  ['-a', FORMAT],
  ['a-', FORMAT],
  ['a..b', FORMAT],
  ['a___b', FORMAT],
  ['busybox:', FORMAT],
  ['busybox:-tag', FORMAT],
  ['busybox:.x', FORMAT],
  [`busybox:${h(129, 't')}`, FORMAT],
  ['busybox:tag:tag2', FORMAT],
  [' busybox', FORMAT],
  ['http://docker.io/busybox', FORMAT],
  ['example.com:abc/app', FORMAT],
  ['-example.com/app', FORMAT],
  ['busybox@sha256:abc', FORMAT],
  [`busybox@sha256:${h(32, 'e')}`, /^invalid reference format: invalid digest "sha256:e{32}"/],
  [`busybox@sha256:${h(64, 'A')}`, /^invalid reference format: invalid digest/],
  [`busybox@md5:${h(32)}`, /^invalid reference format: invalid digest "md5:/],
  [h(64, 'f'), `invalid repository name (${h(64, 'f')}), cannot specify 64-byte hexadecimal strings`],
  [h(248), TOO_LONG],
  [`x/${h(254)}`, TOO_LONG],
  [`localhost:5000/${h(256)}`, TOO_LONG],
  // Docker would take this as a path with no domain at all; berth refuses a first
  // component that looks like a host but is not a valid one.
  ['foo.bar_baz/x', FORMAT],
];

describe('parseReference', () => {
  for (const [input, full, familiar] of VALID) {
    it(`parses ${JSON.stringify(input.length > 60 ? `${input.slice(0, 60)}…` : input)}`, () => {
      const ref = parseReference(input);
      assert.equal(formatReference(ref), full);
      assert.equal(familiarString(ref), familiar);
      // The full form is a fixed point.
      assert.deepEqual(parseReference(full), ref);
    });
  }

  for (const [input, message] of INVALID) {
    it(`refuses ${JSON.stringify(input.length > 60 ? `${input.slice(0, 60)}…` : input)}`, () => {
      assert.throws(
        () => parseReference(input),
        (err: unknown) => {
          assert.ok(isBerthError(err, 'InvalidArgument'), String(err));
          if (typeof message === 'string') assert.equal(err.message, message);
          else assert.match(err.message, message);
          return true;
        },
      );
      assert.equal(isReference(input), false);
    });
  }

  it('splits into domain, path, tag and digest', () => {
    assert.deepEqual(parseReference(`localhost:5000/a/b:tag@${D}`), {
      domain: 'localhost:5000',
      path: 'a/b',
      tag: 'tag',
      digest: D,
    });
    assert.deepEqual(parseReference('busybox'), {
      domain: 'docker.io',
      path: 'library/busybox',
      tag: 'latest',
    });
    assert.deepEqual(parseReference(`busybox@${D}`), {
      domain: 'docker.io',
      path: 'library/busybox',
      digest: D,
    });
  });

  it('adds no default tag in the loose form', () => {
    assert.deepEqual(parseReferenceLoose('busybox'), { domain: 'docker.io', path: 'library/busybox' });
    assert.equal(formatReference(parseReferenceLoose('user/app')), 'docker.io/user/app');
  });
});

describe('familiar forms and repository', () => {
  it('names Docker Hub images as Docker does', () => {
    assert.equal(familiarName(parseReference('docker.io/library/busybox:1')), 'busybox');
    assert.equal(familiarName(parseReference('user/app')), 'user/app');
    assert.equal(familiarName(parseReference('library/a/b')), 'library/a/b');
    assert.equal(familiarName(parseReference('localhost:5000/a/b:tag')), 'localhost:5000/a/b');
  });

  it('gives the full repository name', () => {
    assert.equal(repositoryOf(parseReference('busybox:1')), 'docker.io/library/busybox');
    assert.equal(repositoryOf(parseReference(`quay.io/a/b@${D}`)), 'quay.io/a/b');
  });
});

describe('parseRepositoryAndTag', () => {
  it('defaults the tag and lets a separate tag win', () => {
    assert.deepEqual(parseRepositoryAndTag('busybox'), {
      domain: 'docker.io',
      path: 'library/busybox',
      tag: 'latest',
    });
    assert.equal(parseRepositoryAndTag('user/app:v1').tag, 'v1');
    assert.equal(parseRepositoryAndTag('user/app:v1', 'v2').tag, 'v2');
    assert.equal(parseRepositoryAndTag('user/app', '').tag, 'latest');
  });

  it('refuses a digest and a bad tag', () => {
    assert.throws(
      () => parseRepositoryAndTag(`busybox@${D}`),
      /refusing to create a tag with a digest reference/,
    );
    assert.throws(() => parseRepositoryAndTag('busybox', '-bad'), /invalid tag format: -bad/);
    assert.throws(() => parseRepositoryAndTag('Busybox'), /must be lowercase/);
  });

  it('builds references with a tag or a digest', () => {
    const ref = parseReference('busybox:1');
    assert.equal(formatReference(withTag(ref, '2')), 'docker.io/library/busybox:2');
    assert.equal(formatReference(withDigest(ref, D)), `docker.io/library/busybox@${D}`);
    assert.throws(() => withTag(ref, h(129)), /invalid tag format/);
    assert.throws(() => withDigest(ref, 'sha256:zz'), /invalid digest/);
  });
});

describe('image IDs', () => {
  it('recognises prefixes and full IDs, with or without sha256:', () => {
    assert.deepEqual(parseImageId('4fc3'), { hexPrefix: '4fc3', full: false });
    assert.deepEqual(parseImageId('sha256:4fc3'), { hexPrefix: '4fc3', full: false });
    assert.deepEqual(parseImageId(h(64, 'e')), { hexPrefix: h(64, 'e'), full: true });
    assert.equal(isFullImageId(`sha256:${h(64, 'e')}`), true);
    assert.equal(isFullImageId(h(63, 'e')), false);
    assert.equal(imageIdDigest(h(64, 'e')), `sha256:${h(64, 'e')}`);
    assert.equal(imageIdDigest('4fc3'), undefined);
  });

  it('refuses what cannot be an ID', () => {
    for (const s of ['', 'sha256:', 'busybox', '4FC3', h(65, 'e'), 'sha512:abcd', 'abc:def']) {
      assert.equal(parseImageId(s), undefined, s);
    }
  });
});
