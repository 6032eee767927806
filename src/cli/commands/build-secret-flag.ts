// `berth build --secret`, read as docker buildx reads it: comma-separated
// `key=value` fields, `id` (required), `src`/`source` (a file), `env` (an
// environment variable of the client), `type=file|env`. `type=env` without `env`
// takes `src` as the variable's name; with neither `src` nor `env`, the variable
// named like the ID is used when it is set, else the file named like it. The
// values are read here, on the client, and sent to the daemon in a request of
// their own (see src/build/builder/build-secrets.ts), never in the context.
import { readFile, stat } from 'node:fs/promises';
// The leaf modules, not the build folder's index: a client command must not load the builder.
import { MAX_SECRET_BYTES, type SecretUpload } from '../../build/builder/build-secrets.ts';
import { fromErrno, invalidArgument } from '../../util/errors.ts';

export interface SecretSource {
  id: string;
  /** A file to read. */
  file?: string;
  /** An environment variable to read. */
  env?: string;
}

/** One `--secret` value. */
export function parseSecretFlag(
  value: string,
  environment: Record<string, string | undefined>,
): SecretSource {
  let type: string | undefined;
  let id = '';
  let file: string | undefined;
  let env: string | undefined;
  for (const field of value.split(',')) {
    const eq = field.indexOf('=');
    if (eq < 0)
      throw invalidArgument(`invalid field '${field}' in --secret ${value}: must be a key=value pair`);
    const key = field.slice(0, eq).trim().toLowerCase();
    const v = field.slice(eq + 1);
    if (key === 'type') {
      if (v !== 'file' && v !== 'env') throw invalidArgument(`unsupported secret type ${JSON.stringify(v)}`);
      type = v;
    } else if (key === 'id') id = v;
    else if (key === 'source' || key === 'src') file = v;
    else if (key === 'env') env = v;
    else throw invalidArgument(`unexpected key '${key}' in '${field}' (--secret takes id, src, env, type)`);
  }
  if (!id) throw invalidArgument(`--secret ${value}: the secret has no id (id=…)`);
  if (type === 'env' && !env) {
    env = file;
    file = undefined;
  }
  if (type === 'file' && !file && env === undefined) file = id;
  if (!file && !env) {
    if (environment[id] !== undefined) env = id;
    else file = id;
  }
  return { id, ...(file ? { file } : {}), ...(env && !file ? { env } : {}) };
}

/** Read every `--secret` for the upload; a missing file or variable fails here, naming it. */
export async function readSecretFlags(
  values: readonly string[],
  environment: Record<string, string | undefined>,
): Promise<SecretUpload[]> {
  const out = new Map<string, SecretUpload>();
  for (const value of values) {
    const src = parseSecretFlag(value, environment);
    let data: Buffer;
    if (src.file) {
      const st = await stat(src.file).catch((err) => {
        throw fromErrno(err, `secret ${src.id}: reading ${src.file}`);
      });
      if (st.size > MAX_SECRET_BYTES)
        throw invalidArgument(`secret ${src.id}: ${src.file} is larger than ${MAX_SECRET_BYTES} bytes`);
      data = await readFile(src.file).catch((err) => {
        throw fromErrno(err, `secret ${src.id}: reading ${src.file}`);
      });
    } else {
      const v = environment[src.env ?? ''];
      if (v === undefined)
        throw invalidArgument(`secret ${src.id}: the environment variable ${src.env} is not set`);
      data = Buffer.from(v);
    }
    // The last --secret of an ID wins, as with buildx.
    out.set(src.id, { ID: src.id, Data: data.toString('base64') });
  }
  return [...out.values()];
}
