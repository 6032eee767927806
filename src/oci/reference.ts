// Image references (`busybox`, `user/app:1.0`, `localhost:5000/a/b@sha256:…`), parsed and
// normalised with the grammar and rules of Docker's distribution/reference, so that a name
// means in berth what it means in `docker pull`:
// - the first path component is a registry only if it has a `.` or `:`, is `localhost`, or has
//   an uppercase letter (Docker's rule; `Foo/bar` goes to the registry `Foo`);
// - no registry means docker.io, and a one-component docker.io path gets `library/`;
// - `index.docker.io` is docker.io;
// - the repository path is lowercase and at most 255 characters, `library/` included (the
//   domain does not count: so says the Docker CLI of today, 28.x).
// One deliberate difference: where Docker would accept a first component that is not a valid
// host (`foo.bar_baz/x`) as a path with an empty domain, berth refuses it.
import { BerthError } from '../util/errors.ts';
import { type Digest, isDigest, parseDigest } from './digest.ts';

export interface ImageReference {
  /** Registry host[:port], normalised (`docker.io` for Docker Hub). */
  domain: string;
  /** Repository path inside the registry (`library/busybox`). */
  path: string;
  tag?: string;
  digest?: Digest;
}

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
export const NAME_TOTAL_LENGTH_MAX = 255;

// The grammar, written so that no part can backtrack more than linearly.
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|-+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const DOMAIN_COMPONENT = '[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const TAG = '\\w[\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const DOMAIN_RE = new RegExp(`^${HOST}(?::[0-9]+)?$`);
const REMAINDER_RE = new RegExp(`^(${REMOTE_NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const FULL_HEX_ID_RE = /^[a-f0-9]{64}$/;

const invalidFormat = (detail?: string) =>
  new BerthError(
    'InvalidArgument',
    detail ? `invalid reference format: ${detail}` : 'invalid reference format',
  );

/** Docker's split of a name into registry and the rest, with docker.io's `library/` added. */
function splitDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  let domain = DEFAULT_DOMAIN;
  let remainder = name;
  if (slash !== -1) {
    const first = name.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first;
      remainder = name.slice(slash + 1);
    }
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_PREFIX + remainder;
  return { domain, remainder };
}

/**
 * Parse and normalise a reference, keeping exactly what it says: no default tag. Throws
 * BerthError('InvalidArgument') with Docker's wording.
 */
export function parseReferenceLoose(s: string): ImageReference {
  if (FULL_HEX_ID_RE.test(s)) {
    throw new BerthError(
      'InvalidArgument',
      `invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`,
    );
  }
  const { domain, remainder } = splitDomain(s);
  const colon = remainder.indexOf(':');
  const remoteName = colon === -1 ? remainder : remainder.slice(0, colon);
  if (remoteName.toLowerCase() !== remoteName) {
    throw invalidFormat(`repository name (${remoteName}) must be lowercase`);
  }
  const m = DOMAIN_RE.test(domain) ? REMAINDER_RE.exec(remainder) : null;
  if (!m) throw invalidFormat();
  const path = m[1];
  if (path.length > NAME_TOTAL_LENGTH_MAX) {
    throw new BerthError(
      'InvalidArgument',
      `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`,
    );
  }
  const ref: ImageReference = { domain, path };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) {
    try {
      ref.digest = parseDigest(m[3]);
    } catch (err) {
      throw invalidFormat((err as Error).message);
    }
  }
  return ref;
}

/** Parse and normalise a reference; `latest` is added when it has neither tag nor digest. */
export function parseReference(s: string): ImageReference {
  const ref = parseReferenceLoose(s);
  if (ref.tag === undefined && ref.digest === undefined) ref.tag = DEFAULT_TAG;
  return ref;
}

/** Whether `s` parses as a reference. */
export function isReference(s: string): boolean {
  try {
    parseReferenceLoose(s);
    return true;
  } catch {
    return false;
  }
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/**
 * A name to tag an image with, as `docker tag SRC TARGET`, `docker import … REPO[:TAG]`,
 * `docker commit` and the API's `repo`+`tag` query parameters take it: a digest is refused,
 * a separate `tag` (when not empty) replaces one in `repo`, and the tag defaults to `latest`.
 */
export function parseRepositoryAndTag(repo: string, tag?: string): ImageReference & { tag: string } {
  const ref = parseReferenceLoose(repo);
  if (ref.digest !== undefined) {
    throw new BerthError('InvalidArgument', `refusing to create a tag with a digest reference: ${repo}`);
  }
  if (tag) {
    if (!isValidTag(tag)) throw new BerthError('InvalidArgument', `invalid tag format: ${tag}`);
    return { domain: ref.domain, path: ref.path, tag };
  }
  return { domain: ref.domain, path: ref.path, tag: ref.tag ?? DEFAULT_TAG };
}

/** The reference with `tag` set (and its digest kept); the tag is checked. */
export function withTag(ref: ImageReference, tag: string): ImageReference {
  if (!isValidTag(tag)) throw new BerthError('InvalidArgument', `invalid tag format: ${tag}`);
  return { ...ref, tag };
}

/** The repository of `ref` at `digest`, without a tag. */
export function withDigest(ref: ImageReference, digest: string): ImageReference {
  return { domain: ref.domain, path: ref.path, digest: parseDigest(digest) };
}

/** `domain/path`: the repository's full name. */
export const repositoryOf = (ref: ImageReference): string => `${ref.domain}/${ref.path}`;

function suffixOf(ref: ImageReference): string {
  return (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** The full form: `docker.io/library/busybox:latest`. */
export const formatReference = (ref: ImageReference): string => repositoryOf(ref) + suffixOf(ref);

/** Docker's short name: `busybox`, `user/app`, `localhost:5000/a/b`. */
export function familiarName(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryOf(ref);
  if (ref.path.startsWith(OFFICIAL_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.path;
}

/** Docker's short form with tag and digest: `busybox:latest`. */
export const familiarString = (ref: ImageReference): string => familiarName(ref) + suffixOf(ref);

/** What a user may write to name an image by ID instead of by reference. */
export interface ImageIdQuery {
  /** Lowercase hex, 1 to 64 characters, without `sha256:`. */
  hexPrefix: string;
  /** True when all 64 characters are given: the ID itself, not a prefix. */
  full: boolean;
}

/**
 * Whether `s` can name an image by ID: a hex prefix (`4fc3`), a full 64-hex ID, or either
 * with `sha256:` before it. Docker looks a name up as a reference first and then as an ID
 * prefix, so a string like `abc` can be both; callers keep that order.
 */
export function parseImageId(s: string): ImageIdQuery | undefined {
  const hex = s.startsWith('sha256:') ? s.slice('sha256:'.length) : s;
  if (!/^[a-f0-9]{1,64}$/.test(hex)) return undefined;
  return { hexPrefix: hex, full: hex.length === 64 };
}

/** Whether `s` is a complete image ID: 64 hex, or `sha256:` and 64 hex. */
export function isFullImageId(s: string): boolean {
  return parseImageId(s)?.full === true;
}

/** The image ID digest for a full ID given with or without `sha256:`. */
export function imageIdDigest(s: string): Digest | undefined {
  const q = parseImageId(s);
  if (!q?.full) return undefined;
  const d = `sha256:${q.hexPrefix}`;
  return isDigest(d) ? d : undefined;
}
