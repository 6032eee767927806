// The docker CLI's configuration file, `config.json` in `$DOCKER_CONFIG`
// (default `~/.docker`), read and written as the docker CLI does, so a login
// made by one works for the other: `auths` maps a registry key to
// `{"auth": base64("user:password")}` (plus `identitytoken` after an OAuth
// login), `credsStore` names a credential helper for every registry and
// `credHelpers` one per registry hostname. Keys berth does not know are kept
// as they are; the file is replaced atomically and readable by its owner only.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BerthError, errnoOf, fromErrno } from '../util/errors.ts';
import type { Credentials } from './credentials.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  email?: string;
  [other: string]: unknown;
}

export interface DockerConfig {
  path: string;
  /** The whole document, unknown keys included. */
  doc: Record<string, unknown> & {
    auths?: Record<string, AuthEntry>;
    credsStore?: string;
    credHelpers?: Record<string, string>;
  };
}

export const dockerConfigDir = (env: Env = process.env): string =>
  env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');

export async function readDockerConfig(env: Env = process.env): Promise<DockerConfig> {
  const path = join(dockerConfigDir(env), 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return { path, doc: {} };
    throw fromErrno(err, `reading ${path}`);
  }
  if (text.trim() === '') return { path, doc: {} };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new BerthError('InvalidArgument', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BerthError('InvalidArgument', `${path} must hold a JSON object`);
  }
  return { path, doc: doc as DockerConfig['doc'] };
}

export async function writeDockerConfig(config: DockerConfig): Promise<void> {
  const dir = join(config.path, '..');
  const temp = `${config.path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(temp, `${JSON.stringify(config.doc, null, '\t')}\n`, { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, config.path);
  } catch (err) {
    await rm(temp, { force: true });
    throw fromErrno(err, `writing ${config.path}`);
  }
}

/** The credentials an `auths` entry holds. */
export function entryCredentials(entry: AuthEntry, key: string): Credentials {
  const out: Credentials = { serveraddress: key };
  if (typeof entry.auth === 'string' && entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0)
      throw new BerthError(
        'InvalidArgument',
        `the auth of ${key} in config.json is not base64 of user:password`,
      );
    out.username = text.slice(0, colon);
    out.password = text.slice(colon + 1);
  } else {
    if (typeof entry.username === 'string' && entry.username) out.username = entry.username;
    if (typeof entry.password === 'string' && entry.password) out.password = entry.password;
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken) out.identitytoken = entry.identitytoken;
  if (typeof entry.registrytoken === 'string' && entry.registrytoken) out.registrytoken = entry.registrytoken;
  return out;
}

/** The `auths` entry for credentials: the password is left out when an identity token stands for it. */
export function credentialsEntry(c: Credentials): AuthEntry {
  const entry: AuthEntry = {};
  const password = c.identitytoken ? '' : (c.password ?? '');
  if (c.username || password) entry.auth = Buffer.from(`${c.username ?? ''}:${password}`).toString('base64');
  if (c.identitytoken) entry.identitytoken = c.identitytoken;
  return entry;
}
