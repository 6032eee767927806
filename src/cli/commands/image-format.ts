// What the image commands print, the way Docker's CLI prints it: image rows
// (one per repository and tag, `<none>` for an untagged image) with Docker's
// template fields, truncated IDs, Go's time format, and sizes with a chosen
// number of significant digits.
import { humanSize, timeAgo } from '../output/units.ts';

/** The fields of GET /images/json the commands read. */
export interface ImageSummary {
  Id: string;
  ParentId?: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize?: number;
  Containers: number;
  Labels?: Record<string, string> | null;
}

/** An image name in a request path: each segment escaped, the slashes kept. */
export const imagePath = (name: string): string => name.split('/').map(encodeURIComponent).join('/');

/** `sha256:4fc3…` → `4fc3…` cut to 12 characters, as Docker's TruncateID; `<missing>` stays. */
export function truncateId(id: string): string {
  const colon = id.indexOf(':');
  const hex = colon >= 0 ? id.slice(colon + 1) : id;
  return hex.length > 12 ? hex.slice(0, 12) : hex;
}

/** Docker's sizes: decimal units with `digits` significant digits (go-units' HumanSizeWithPrecision). */
export function humanSizeDigits(bytes: number, digits: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return `${Number(value.toPrecision(digits))}${units[i]}`;
}

/** Cut to `max` characters with `…` in the last place, as Docker's Ellipsis. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  return `${chars.slice(0, max - 1).join('')}…`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Go's time.Time.String() in local time: `2024-05-01 10:11:12 +0000 UTC`. */
export function goTime(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const zone =
    offset === 0
      ? 'UTC'
      : (new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
          .formatToParts(date)
          .find((p) => p.type === 'timeZoneName')?.value ?? '');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)} ${zone}`
  );
}

/** Go's RFC 3339 format in local time, to the second: `2024-05-01T10:11:12Z`, `…T12:11:12+02:00`. */
export function rfc3339(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const zone =
    offset === 0
      ? 'Z'
      : `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${zone}`
  );
}

/** `user/app:1.0` → [`user/app`, `1.0`]; a port in the host is not a tag. */
export function splitTag(ref: string): [string, string] | undefined {
  const colon = ref.lastIndexOf(':');
  if (colon < 0 || ref.indexOf('/', colon) >= 0) return undefined;
  return [ref.slice(0, colon), ref.slice(colon + 1)];
}

/** `user/app@sha256:…` → [`user/app`, `sha256:…`]. */
export function splitDigest(ref: string): [string, string] | undefined {
  const at = ref.indexOf('@');
  return at < 0 ? undefined : [ref.slice(0, at), ref.slice(at + 1)];
}

/** Docker's template fields of an image row, in the order `--format json` prints them. */
export interface ImageRow {
  Containers: string;
  CreatedAt: string;
  CreatedSince: string;
  Digest: string;
  ID: string;
  Repository: string;
  SharedSize: string;
  Size: string;
  Tag: string;
  UniqueSize: string;
  VirtualSize: string;
}

export const IMAGE_HEADERS = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'VIRTUAL SIZE',
  Containers: 'CONTAINERS',
} as const;

export const isDangling = (img: ImageSummary): boolean => {
  const tags = img.RepoTags ?? [];
  const digests = img.RepoDigests ?? [];
  if (tags.length === 0 && digests.length === 0) return true;
  return (
    tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>'
  );
};

function row(img: ImageSummary, repo: string, tag: string, digest: string, trunc: boolean): ImageRow {
  const created = new Date(img.Created * 1000);
  const shared = img.SharedSize;
  return {
    Containers: img.Containers === -1 ? 'N/A' : String(img.Containers),
    CreatedAt: goTime(created),
    CreatedSince: timeAgo(created),
    Digest: digest,
    ID: trunc ? truncateId(img.Id) : img.Id,
    Repository: repo,
    SharedSize: shared === -1 ? 'N/A' : humanSizeDigits(shared, 4),
    Size: humanSize(img.Size),
    Tag: tag,
    UniqueSize: shared === -1 ? 'N/A' : humanSizeDigits(img.Size - shared, 4),
    VirtualSize: humanSizeDigits(img.VirtualSize ?? img.Size, 4),
  };
}

/**
 * An image's rows: one per repository and tag; with `digests`, one per tag and
 * digest of the same repository; a repository known only by digest gets a row
 * with tag `<none>`; an untagged image one row of `<none>`.
 */
export function imageRows(img: ImageSummary, opts: { digests: boolean; trunc: boolean }): ImageRow[] {
  if (isDangling(img)) return [row(img, '<none>', '<none>', '<none>', opts.trunc)];
  const tagsByRepo = new Map<string, string[]>();
  const digestsByRepo = new Map<string, string[]>();
  for (const ref of img.RepoTags ?? []) {
    const parts = splitTag(ref);
    if (parts) tagsByRepo.set(parts[0], [...(tagsByRepo.get(parts[0]) ?? []), parts[1]]);
  }
  for (const ref of img.RepoDigests ?? []) {
    const parts = splitDigest(ref);
    if (parts) digestsByRepo.set(parts[0], [...(digestsByRepo.get(parts[0]) ?? []), parts[1]]);
  }
  const rows: ImageRow[] = [];
  for (const [repo, tags] of tagsByRepo) {
    const digests = opts.digests ? (digestsByRepo.get(repo) ?? []) : [];
    digestsByRepo.delete(repo);
    for (const tag of tags) {
      if (digests.length === 0) rows.push(row(img, repo, tag, '<none>', opts.trunc));
      for (const d of digests) rows.push(row(img, repo, tag, d, opts.trunc));
    }
  }
  for (const [repo, digests] of digestsByRepo) {
    if (opts.digests) for (const d of digests) rows.push(row(img, repo, '<none>', d, opts.trunc));
    else rows.push(row(img, repo, '<none>', '', opts.trunc));
  }
  return rows;
}
