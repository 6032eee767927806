// The daemon's registry settings, read from a JSON file in the shape of
// Docker's daemon.json. berthd reads `<root>/daemon.json` when the root has
// one, else `/etc/berth/daemon.json` (one file, never merged: a daemon on its
// own root keeps to its own settings), once, the first time a registry is used.
// A missing file means the defaults; unknown keys are left to other parts of
// the daemon. The keys read here:
//
//   "insecure-registries": ["host:port", "10.0.0.0/8"]   plain HTTP (or TLS
//       without verification) allowed; loopback (localhost, 127.0.0.0/8, ::1)
//       always is, as in Docker
//   "registry-mirrors": ["https://mirror.example"]       tried in order for
//       docker.io pulls, before Docker Hub itself
//   "allow-nondistributable-artifacts": ["host:port"]    registries that get
//       foreign (non-distributable) layers pushed; others never do
//   "max-concurrent-downloads": 3, "max-concurrent-uploads": 5,
//   "max-download-attempts": 5                          as Docker's
//   "certs-dir": "/etc/berth/certs.d"                   (berth's) where the
//       per-registry TLS directories live: <certs-dir>/<host:port>/ with CA
//       certificates `*.crt` and client pairs `*.cert` + `*.key`
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { BerthError, errnoOf, fromErrno } from '../util/errors.ts';

export const SYSTEM_CONFIG_FILE = '/etc/berth/daemon.json';
export const DEFAULT_CERTS_DIR = '/etc/berth/certs.d';

export interface RegistryConfig {
  /** host[:port] names and CIDR ranges where plain HTTP is allowed. */
  insecureRegistries: string[];
  /** Mirror base URLs for docker.io, in order. */
  mirrors: URL[];
  allowNondistributable: string[];
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
  maxDownloadAttempts: number;
  certsDir: string;
  /** The file the settings came from, if any (for messages). */
  source?: string;
}

export const defaultRegistryConfig = (): RegistryConfig => ({
  insecureRegistries: [],
  mirrors: [],
  allowNondistributable: [],
  maxConcurrentDownloads: 3,
  maxConcurrentUploads: 5,
  maxDownloadAttempts: 5,
  certsDir: DEFAULT_CERTS_DIR,
});

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw fromErrno(err, `reading ${path}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new BerthError('InvalidArgument', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BerthError('InvalidArgument', `${path} must hold a JSON object`);
  }
  return doc as Record<string, unknown>;
}

function strings(doc: Record<string, unknown>, key: string, file: string): string[] {
  const v = doc[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new BerthError('InvalidArgument', `${file}: "${key}" must be a list of strings`);
  }
  return v as string[];
}

function count(doc: Record<string, unknown>, key: string, file: string, fallback: number): number {
  const v = doc[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new BerthError('InvalidArgument', `${file}: "${key}" must be a positive integer`);
  }
  return v;
}

function mirrorUrl(s: string, file: string): URL {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new BerthError('InvalidArgument', `${file}: registry mirror "${s}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BerthError('InvalidArgument', `${file}: registry mirror "${s}" must be an http or https URL`);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new BerthError('InvalidArgument', `${file}: registry mirror "${s}" must not have a path`);
  }
  return url;
}

/** The settings for a daemon on `root`. */
export async function loadRegistryConfig(root: string): Promise<RegistryConfig> {
  const rootFile = join(root, 'daemon.json');
  let file = rootFile;
  let doc = await readJson(rootFile);
  if (!doc) {
    file = SYSTEM_CONFIG_FILE;
    doc = await readJson(SYSTEM_CONFIG_FILE);
  }
  const config = defaultRegistryConfig();
  if (!doc) return config;
  const certsDir = doc['certs-dir'];
  if (certsDir !== undefined && typeof certsDir !== 'string') {
    throw new BerthError('InvalidArgument', `${file}: "certs-dir" must be a string`);
  }
  const insecure = strings(doc, 'insecure-registries', file);
  for (const entry of insecure) checkInsecureEntry(entry, file);
  return {
    insecureRegistries: insecure,
    mirrors: strings(doc, 'registry-mirrors', file).map((m) => mirrorUrl(m, file)),
    allowNondistributable: strings(doc, 'allow-nondistributable-artifacts', file),
    maxConcurrentDownloads: count(doc, 'max-concurrent-downloads', file, config.maxConcurrentDownloads),
    maxConcurrentUploads: count(doc, 'max-concurrent-uploads', file, config.maxConcurrentUploads),
    maxDownloadAttempts: count(doc, 'max-download-attempts', file, config.maxDownloadAttempts),
    certsDir: certsDir ?? DEFAULT_CERTS_DIR,
    source: file,
  };
}

function checkInsecureEntry(entry: string, file: string): void {
  if (entry.includes('://')) {
    throw new BerthError(
      'InvalidArgument',
      `${file}: insecure registry "${entry}" should be host[:port] or a CIDR, without a scheme`,
    );
  }
  if (!entry.includes('/')) return;
  const [ip, bits] = entry.split('/');
  const max = isIP(ip) === 4 ? 32 : isIP(ip) === 6 ? 128 : 0;
  if (!max || !/^\d+$/.test(bits) || Number(bits) > max) {
    throw new BerthError('InvalidArgument', `${file}: insecure registry "${entry}" is not a valid CIDR`);
  }
}
