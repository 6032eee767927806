// A registry and its server from a loaded config: the filesystem store at the root, the
// authorizer of the auth section, the TLS files. What `berth registry serve` runs.
import { mkdir, readFile } from 'node:fs/promises';
import { fromErrno } from '../util/errors.ts';
import { createAuthorizer } from './auth/index.ts';
import type { RegistryConfig } from './config.ts';
import { Registry } from './registry.ts';
import { RegistryServer } from './server/server.ts';
import { FsRegistryStorage } from './storage/fs-driver.ts';

export async function openRegistry(
  config: RegistryConfig,
  log: (line: string) => void,
): Promise<RegistryServer> {
  try {
    await mkdir(config.rootDirectory, { recursive: true });
  } catch (err) {
    throw fromErrno(err, `creating the registry root ${config.rootDirectory}`);
  }
  const storage = new FsRegistryStorage(config.rootDirectory);
  const registry = new Registry(storage, { deleteEnabled: config.deleteEnabled, limits: config.limits });
  const authorizer = await createAuthorizer(config.auth, { log, https: !!config.tls });
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (config.tls) {
    const read = (file: string, key: string) =>
      readFile(file).catch((err) => {
        throw fromErrno(err, `reading ${key} ${file}`);
      });
    tls = {
      cert: await read(config.tls.certificate, 'http.tls.certificate'),
      key: await read(config.tls.key, 'http.tls.key'),
    };
  }
  return RegistryServer.listen(
    { registry, authorizer, tls, headers: config.headers, log },
    config.host,
    config.port,
  );
}
