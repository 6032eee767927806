// The build context arrives as a tar (plain or compressed) and is unpacked into a
// fresh directory with berth's safe layer applier: no member lands outside it,
// whatever its name or the links before it. The caller removes the directory.
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { applyLayer } from '../../layer/apply-layer.ts';
import { BerthError, isBerthError } from '../../util/errors.ts';

/** Unpack `tar` under `scratch`; returns the new directory. */
export async function extractContext(tar: Readable, scratch: string): Promise<string> {
  const dir = join(scratch, `context-${randomUUID()}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    await applyLayer(tar, dir, { whiteouts: 'apply', compression: 'auto' });
    return dir;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    if (isBerthError(err))
      throw new BerthError(err.code, `reading the build context: ${err.message}`, { cause: err });
    throw err;
  }
}
