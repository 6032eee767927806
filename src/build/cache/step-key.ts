// The key a build step is cached under. A step's result is a function of three
// things, and the key hashes exactly those:
//
// - the state it starts from, by ID: the digest of the image config so far, as
//   berth writes it. It holds the diff IDs (so the files), the environment, user,
//   working directory, shell and the history with each step's time, so a step
//   that ran again (rather than came from the cache) gives every later step of
//   its stage a new parent, and they miss too, as in Docker's classic builder;
// - the instruction as it is executed: after variable expansion, without its
//   position in the Dockerfile or its raw text (moving a line or reformatting a
//   comment around it changes nothing). Heredoc bodies and flags (--chown,
//   --chmod, --link, --network, --mount ...) are part of it;
// - what the step reads that is in neither: a RUN's build args (the `|N A=b`
//   of its history), a COPY/ADD's input files (a digest of their names, modes
//   and contents) or the filesystem of its --from source, and for ENTRYPOINT
//   whether this stage gave a CMD (which ENTRYPOINT then keeps).
//
// An ARG's value is not part of its own step (the history records only the
// declaration), so changing a --build-arg misses first at the step that uses it.

import { type Digest, digestOf } from '../../oci/digest.ts';
import type { Instruction } from '../dockerfile/index.ts';

/** Bumped when what a key covers changes, so older records simply stop matching. */
const KEY_VERSION = 'berth-build-cache-1';

/** Fields of an instruction that say where it was written, not what it does. */
const POSITIONAL = new Set(['location', 'original', 'escapeToken']);

export interface StepKeyParts {
  /** The ID (config digest) of the state the step starts from. */
  parent: Digest;
  /** The instruction, expanded as it is executed. */
  instruction: Instruction;
  /** What else the result depends on (see the header). */
  inputs?: Record<string, unknown>;
}

export function stepKey(parts: StepKeyParts): Digest {
  return digestOf(
    canonicalJson([KEY_VERSION, parts.parent, withoutPosition(parts.instruction), parts.inputs ?? {}]),
  );
}

function withoutPosition(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPosition);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!POSITIONAL.has(k)) out[k] = withoutPosition(v);
  return out;
}

/** JSON with object keys sorted and undefined members left out: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
