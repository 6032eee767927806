// Where the command line keeps a registry's credentials, decided as the docker
// CLI decides it: the registry's own helper (`credHelpers`, by hostname), else
// the default helper (`credsStore`), else `auths` in config.json itself. With
// a helper, config.json keeps an empty `auths` entry for the registry, as the
// docker CLI leaves one, so either tool sees that a login exists.

import { helperErase, helperGet, helperStore } from './credential-helper.ts';
import { type Credentials, encodeRegistryAuth } from './credentials.ts';
import {
  credentialsEntry,
  type DockerConfig,
  entryCredentials,
  readDockerConfig,
  writeDockerConfig,
} from './docker-config.ts';
import { credentialKeyOf, hostnameOf } from './server-address.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The helper for `key`, if config.json names one. */
export function helperFor(config: DockerConfig, key: string): string | undefined {
  const helpers = config.doc.credHelpers ?? {};
  const host = hostnameOf(key);
  return helpers[key] || helpers[host] || config.doc.credsStore || undefined;
}

/** The `auths` key that holds `key`'s entry: itself, or an older spelling of the same host. */
function authsKey(config: DockerConfig, key: string): string | undefined {
  const auths = config.doc.auths ?? {};
  if (key in auths) return key;
  const host = hostnameOf(key);
  return Object.keys(auths).find((k) => hostnameOf(k) === host);
}

/** The stored credentials for a registry (an address as the user or a reference names it). */
export async function getCredentials(
  address: string,
  env: Env = process.env,
): Promise<Credentials | undefined> {
  const key = credentialKeyOf(address);
  const config = await readDockerConfig(env);
  const helper = helperFor(config, key);
  if (helper) return helperGet(helper, key, env);
  const found = authsKey(config, key);
  const entry = found === undefined ? undefined : config.doc.auths?.[found];
  if (!entry) return undefined;
  const creds = entryCredentials(entry, key);
  return creds.username || creds.password || creds.identitytoken || creds.registrytoken ? creds : undefined;
}

/** Keep credentials for a registry; returns where they went (a helper's name, or the file's path). */
export async function storeCredentials(
  address: string,
  creds: Credentials,
  env: Env = process.env,
): Promise<string> {
  const key = credentialKeyOf(address);
  const config = await readDockerConfig(env);
  const helper = helperFor(config, key);
  const auths = { ...(config.doc.auths ?? {}) };
  const old = authsKey(config, key);
  if (old !== undefined && old !== key) delete auths[old];
  if (helper) {
    await helperStore(helper, key, creds, env);
    auths[key] = {};
  } else {
    auths[key] = { ...(auths[key] ?? {}), ...credentialsEntry(creds) };
    if (!creds.identitytoken) delete auths[key].identitytoken;
  }
  config.doc.auths = auths;
  await writeDockerConfig(config);
  return helper ? `docker-credential-${helper}` : config.path;
}

/** Forget a registry's credentials; returns whether there were any. */
export async function eraseCredentials(address: string, env: Env = process.env): Promise<boolean> {
  const key = credentialKeyOf(address);
  const config = await readDockerConfig(env);
  const helper = helperFor(config, key);
  const found = authsKey(config, key);
  let had = found !== undefined;
  if (helper) {
    had = had || (await helperGet(helper, key, env)) !== undefined;
    await helperErase(helper, key, env);
  }
  if (found !== undefined) {
    const auths = { ...(config.doc.auths ?? {}) };
    delete auths[found];
    config.doc.auths = auths;
    await writeDockerConfig(config);
  }
  return had;
}

/** The `X-Registry-Auth` value for a registry's stored credentials, or undefined when there are none. */
export async function registryAuthFor(address: string, env: Env = process.env): Promise<string | undefined> {
  const creds = await getCredentials(address, env);
  return creds ? encodeRegistryAuth(creds) : undefined;
}
