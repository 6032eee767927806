// Checking a refusal: for assert.throws / assert.rejects, an error that is a
// BerthError of `code` whose message names each of `words`.
import assert from 'node:assert/strict';
import { type ErrorCode, isBerthError } from '../../src/util/errors.ts';

export const refused =
  (code: ErrorCode, ...words: string[]) =>
  (err: unknown) => {
    assert.ok(isBerthError(err, code), `want ${code}, got ${String(err)}`);
    for (const w of words) assert.ok(err.message.includes(w), `"${err.message}" should mention ${w}`);
    return true;
  };
