// The filters of GET /images/json and POST /images/prune, read as Docker reads
// them: `reference` is a shell glob (Go's path.Match) tried on each familiar
// name with its tag (`busybox:latest`) and then without (`busybox`), and it
// narrows the tags an image is listed with; `before` and `since` name an image;
// `until` is a time; `label` and `label!` are `key` or `key=value`.
import type { ImageRecord, ImageStore } from '../../image/image-store.ts';
import { familiarName, parseReference } from '../../oci/reference.ts';
import { invalidArgument } from '../../util/errors.ts';
import { parseFilterTime, parseTimeNanos } from '../../util/time.ts';
import type { Filters } from '../query.ts';
import { familiar } from './image-views.ts';

export const LIST_FILTERS = ['before', 'dangling', 'label', 'reference', 'since', 'until'] as const;
export const PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'] as const;

/** Go's path.Match as a regular expression: `*` and `?` stop at `/`, `[...]` classes, `\` escapes. */
export function globRegex(pattern: string): RegExp {
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else if (c === '\\') {
      i++;
      if (i >= pattern.length)
        throw invalidArgument(`invalid reference filter "${pattern}": syntax error in pattern`);
      src += escapeChar(pattern[i]);
    } else if (c === '[') {
      let j = i + 1;
      let body = '';
      if (pattern[j] === '^') {
        body += '^/';
        j++;
      }
      for (; j < pattern.length && pattern[j] !== ']'; j++) {
        const escaped = pattern[j] === '\\';
        if (escaped) j++;
        if (j >= pattern.length) break;
        body += pattern[j] === '-' && !escaped ? '-' : escapeChar(pattern[j]);
      }
      if (j >= pattern.length || body === '' || body === '^/') {
        throw invalidArgument(`invalid reference filter "${pattern}": syntax error in pattern`);
      }
      src += `[${body}]`;
      i = j;
    } else src += escapeChar(c);
  }
  return new RegExp(`^${src}$`);
}

const escapeChar = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** Whether a full reference matches one of the globs, on its familiar form with and without tag. */
function referenceMatches(full: string, globs: readonly RegExp[]): boolean {
  const withTag = familiar(full);
  let name = withTag;
  try {
    name = familiarName(parseReference(full));
  } catch {}
  return globs.some((g) => g.test(withTag) || g.test(name));
}

/** `key` or `key=value` pairs, all of which the labels must have. */
export function labelsMatch(
  labels: Record<string, string> | null | undefined,
  wanted: readonly string[],
): boolean {
  return wanted.every((w) => {
    const eq = w.indexOf('=');
    const key = eq < 0 ? w : w.slice(0, eq);
    if (!labels || !Object.hasOwn(labels, key)) return false;
    return eq < 0 || labels[key] === w.slice(eq + 1);
  });
}

/** Docker's boolean filter value: true/1 or false/0; `fallback` when absent. */
export function boolFilter(filters: Filters, name: string, fallback: boolean): boolean {
  const values = filters.get(name);
  if (!values.length) return fallback;
  const v = values[values.length - 1].toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalidArgument(`invalid filter '${name}=${values[values.length - 1]}'`);
}

/** An image's creation time in nanoseconds, for comparing; undefined when it has none. */
export const createdNanos = (image: ImageRecord): bigint | undefined =>
  image.created ? parseTimeNanos(image.created) : undefined;

/** What a listing shows of an image: its tags and digests that passed, or nothing. */
export interface ListedRefs {
  readonly tags: string[];
  readonly digests: string[];
}

/**
 * The filters of GET /images/json as one function: for each image, the
 * references to list it with, or undefined to leave it out. `labelsOf` gives
 * an image's config labels; `hasChildren` whether another image has it as parent.
 */
export function listFilter(
  store: ImageStore,
  filters: Filters,
  opts: { all: boolean; hasChildren: (image: ImageRecord) => boolean },
): (image: ImageRecord, labels: Record<string, string> | null | undefined) => ListedRefs | undefined {
  filters.validate(LIST_FILTERS);
  const dangling = filters.has('dangling') ? boolFilter(filters, 'dangling', false) : undefined;
  const globs = filters.get('reference').map(globRegex);
  const bound = (name: string) =>
    filters.get(name).map((ref) => {
      const t = createdNanos(store.resolve(ref));
      return t ?? 0n;
    });
  const beforeTimes = bound('before');
  const sinceTimes = bound('since');
  const untilTimes = filters.get('until').map((v) => parseFilterTime(v, 'until'));
  const labels = filters.get('label');

  return (image, imageLabels) => {
    const created = createdNanos(image) ?? 0n;
    if (beforeTimes.some((t) => created >= t)) return undefined;
    if (sinceTimes.some((t) => created <= t)) return undefined;
    if (untilTimes.some((t) => created > t)) return undefined;
    if (labels.length && !labelsMatch(imageLabels, labels)) return undefined;
    const untagged = image.tags.length === 0 && image.repoDigests.length === 0;
    // Intermediate images (untagged parents of others) only with `all`, as Docker lists them.
    if (untagged && !opts.all && opts.hasChildren(image)) return undefined;
    if (dangling === true && image.tags.length > 0) return undefined;
    if (dangling === false && untagged) return undefined;
    if (!globs.length) return { tags: image.tags, digests: image.repoDigests };
    const tags = image.tags.filter((t) => referenceMatches(t, globs));
    const digests = image.repoDigests.filter((d) => referenceMatches(d, globs));
    return tags.length || digests.length ? { tags, digests } : undefined;
  };
}
