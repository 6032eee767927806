// Reproducible builds: the build arg SOURCE_DATE_EPOCH (BuildKit's; `berth build`
// passes the client's environment variable of that name as one, as buildx
// does) sets every time the build writes: the config's `created`, each new
// history entry's `created`, and the mtime of every layer member newer than it
// (clamped, so files older than the epoch keep their times, which come from the
// context or the base image and are the same from build to build). The same
// Dockerfile and context then give the same image digest on every build, from
// the cache or not.
import type { Readable } from 'node:stream';
import { editTar } from '../../engine/container-archive.ts';
import { goTime } from '../../image/config-json.ts';
import { invalidArgument } from '../../util/errors.ts';

export const SOURCE_DATE_EPOCH = 'SOURCE_DATE_EPOCH';

/** Seconds since the Unix epoch, as the variable is written; undefined when unset or empty. */
export function parseSourceDateEpoch(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,12}$/.test(value))
    throw invalidArgument(
      `invalid SOURCE_DATE_EPOCH ${JSON.stringify(value)}: give whole seconds since 1970-01-01 UTC`,
    );
  return Number(value);
}

/** The time a step records: the epoch when set, else now. */
export const stepTime = (epoch: number | undefined): string =>
  goTime(epoch === undefined ? new Date() : new Date(epoch * 1000));

/** The layer tar with every mtime later than `epoch` set to it. */
export function clampMtimes(tar: Readable, epoch: number): Readable {
  const clamped = editTar(tar, (h) => (h.mtime > epoch ? { ...h, mtime: epoch } : h));
  tar.on('error', (err) => clamped.destroy(err));
  return clamped;
}
