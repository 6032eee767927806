// TLS for a registry, as Docker sets it up: the system's certificate
// authorities (Debian's bundle, and node's own list), plus what the registry's
// directory under the certs dir holds: `*.crt` files are extra CAs, and a
// `name.cert` with its `name.key` is the client certificate to present.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { BerthError, errnoOf, fromErrno } from '../util/errors.ts';

export interface TlsSettings {
  ca: string[];
  cert?: string;
  key?: string;
  /** False only for insecure registries tried over HTTPS. */
  rejectUnauthorized: boolean;
}

const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];
let systemCas: Promise<string[]> | undefined;

/** The machine's trusted CAs (node's list when the system has no bundle). */
export function systemCertificates(): Promise<string[]> {
  systemCas ??= (async () => {
    for (const path of SYSTEM_BUNDLES) {
      try {
        return [await readFile(path, 'utf8'), ...rootCertificates];
      } catch {}
    }
    return [...rootCertificates];
  })();
  return systemCas;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return [];
    throw fromErrno(err, `reading ${dir}`);
  }
}

/** The TLS settings for `host` (`host[:port]`, the directory's name under `certsDir`). */
export async function tlsSettingsFor(host: string, certsDir: string, verify: boolean): Promise<TlsSettings> {
  const dir = join(certsDir, host);
  const files = await listDir(dir);
  const ca = [...(await systemCertificates())];
  const settings: TlsSettings = { ca, rejectUnauthorized: verify };
  for (const name of files) {
    if (name.endsWith('.crt')) ca.push(await readFile(join(dir, name), 'utf8'));
  }
  const certName = files.find((n) => n.endsWith('.cert'));
  if (certName) {
    const keyName = `${certName.slice(0, -'.cert'.length)}.key`;
    if (!files.includes(keyName)) {
      throw new BerthError(
        'InvalidArgument',
        `missing key ${keyName} for client certificate ${join(dir, certName)}: a .cert needs its .key beside it`,
      );
    }
    settings.cert = await readFile(join(dir, certName), 'utf8');
    settings.key = await readFile(join(dir, keyName), 'utf8');
  }
  return settings;
}
