// Build secrets (`berth build --secret id=…,src=…`, `RUN --mount=type=secret`):
// values a RUN may read that must never be in the image, the build cache or a log.
//
// How they reach berthd. Docker's classic `POST /build` has no parameter for
// secrets, and its body is the context, which COPY reads. So the secrets travel
// beside it, in a request of their own before the build: `POST
// /berth/build/secrets` with a JSON body of IDs and base64 values (each at most
// MAX_SECRET_BYTES), answered with a one-time session token; the build then names
// the session in the `X-Berth-Build-Secrets` header (not the query string, which
// the daemon's log shows). The daemon keeps them in memory only (SecretSessions):
// never in the context directory, so COPY and ADD cannot see them and no cache key
// hashes them (a RUN's key holds the secret's ID, never its value), and never in
// a log. A session is taken by one build and then gone; one nobody takes is
// dropped after SESSION_TTL_MS. The buffers are zeroed when the build ends.
//
// In a RUN: a secret is written, for that step only, to a file of its own in a
// private directory under the daemon's runtime state (`<state>/build-secrets`,
// normally on tmpfs), with the mode and owner the mount asks for (default 0400,
// root), bind-mounted read-only at its target (default /run/secrets/<id>), and
// removed when the step ends. Only the RUNs that mount it see it; its mountpoint
// is left out of the layer (mount-artefacts.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromErrno, invalidArgument } from '../../util/errors.ts';

/** BuildKit's limit for one secret. */
export const MAX_SECRET_BYTES = 500 * 1024;
/** How long an uploaded session waits for its build. */
export const SESSION_TTL_MS = 10 * 60 * 1000;
/** The request header naming the session of a build. */
export const SECRETS_HEADER = 'x-berth-build-secrets';

/** A build's secrets by ID. */
export class BuildSecrets {
  private readonly values: Map<string, Buffer>;

  constructor(entries: Iterable<[string, Buffer]> = []) {
    this.values = new Map(entries);
  }

  get(id: string): Buffer | undefined {
    return this.values.get(id);
  }

  ids(): string[] {
    return [...this.values.keys()];
  }

  /** Overwrite the values in memory and forget them. */
  wipe(): void {
    for (const v of this.values.values()) v.fill(0);
    this.values.clear();
  }
}

/** One secret as the client sends it. */
export interface SecretUpload {
  ID: string;
  /** The value, base64. */
  Data: string;
}

/** Check an upload's secrets and decode them. */
export function decodeSecretUploads(body: unknown): BuildSecrets {
  const list = (body as { Secrets?: unknown } | undefined)?.Secrets;
  if (!Array.isArray(list)) throw invalidArgument('the body must be {"Secrets": [{"ID": …, "Data": …}]}');
  const entries: [string, Buffer][] = [];
  const seen = new Set<string>();
  for (const [i, s] of list.entries()) {
    const { ID, Data } = (s ?? {}) as Partial<SecretUpload>;
    if (typeof ID !== 'string' || !ID) throw invalidArgument(`Secrets[${i}]: ID must be a non-empty string`);
    if (typeof Data !== 'string') throw invalidArgument(`secret ${ID}: Data must be a base64 string`);
    if (seen.has(ID)) throw invalidArgument(`secret ${ID} is given twice`);
    seen.add(ID);
    const value = Buffer.from(Data, 'base64');
    if (value.length > MAX_SECRET_BYTES)
      throw invalidArgument(`secret ${ID} is larger than the limit of ${MAX_SECRET_BYTES} bytes`);
    entries.push([ID, value]);
  }
  return new BuildSecrets(entries);
}

/** Uploaded secrets waiting for their build, by one-time token. */
export class SecretSessions {
  private readonly pending = new Map<string, { secrets: BuildSecrets; timer: NodeJS.Timeout }>();

  constructor(private readonly ttlMs = SESSION_TTL_MS) {}

  put(secrets: BuildSecrets): string {
    const token = randomBytes(32).toString('hex');
    const timer = setTimeout(() => this.take(token)?.wipe(), this.ttlMs);
    timer.unref();
    this.pending.set(token, { secrets, timer });
    return token;
  }

  /** The session's secrets, once; undefined for an unknown or expired token. */
  take(token: string): BuildSecrets | undefined {
    const p = this.pending.get(token);
    if (!p) return undefined;
    this.pending.delete(token);
    clearTimeout(p.timer);
    return p.secrets;
  }

  get size(): number {
    return this.pending.size;
  }
}

/** A secret as a file for one step: its own, with the mode and owner asked for. The caller removes it. */
export async function writeSecretFile(
  dir: string,
  value: Buffer,
  opts: { mode: number; uid: number; gid: number },
): Promise<string> {
  const path = join(dir, randomUUID());
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(path, value, { mode: 0o600, flag: 'wx' });
    await chown(path, opts.uid, opts.gid);
    await chmod(path, opts.mode);
    return path;
  } catch (err) {
    await rm(path, { force: true }).catch(() => {});
    throw fromErrno(err, 'writing a build secret for a RUN step');
  }
}
