// The registry's config file: YAML, a subset of distribution's config.yml so an operator's
// file mostly works as it is.
//
//   version: 0.1
//   http: { addr: 127.0.0.1:5000, tls: { certificate: cert.pem, key: key.pem }, headers: {X-A: [b]}, draintimeout: 10s }
//   storage: { filesystem: { rootdirectory: /var/lib/berth-registry }, delete: { enabled: true } }
//   auth: { htpasswd: {...} } or { token: {...} }        (handed to auth/createAuthorizer)
//   limits: { manifestbytes: 4194304, uploadlifetime: 24h, requesttimeout: 60s, maxuploads: 10000 }
//
// Keys distribution knows and berth does not use (log, health, notifications, redis,
// storage.cache, storage.maintenance, ...) are accepted with a warning; any other key is an
// error naming its path, and so is a bad value. Flags (--addr, --root) override the file.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { fromErrno, invalidArgument } from '../util/errors.ts';
import type { AuthConfig } from './auth/index.ts';
import { parseDuration } from './duration.ts';
import { DEFAULT_LIMITS, type RegistryLimits } from './registry.ts';

export const DEFAULT_ADDR = '127.0.0.1:5000';
export const DEFAULT_ROOT = '/var/lib/berth-registry';
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export interface RegistryConfig {
  addr: string;
  host: string;
  port: number;
  tls?: { certificate: string; key: string };
  rootDirectory: string;
  deleteEnabled: boolean;
  auth?: AuthConfig;
  limits: RegistryLimits;
  headers: Record<string, string[]>;
  shutdownTimeoutMs: number;
  /** Keys accepted but not used, one line each. */
  warnings: string[];
}

type Map = Record<string, unknown>;

const isMap = (v: unknown): v is Map => typeof v === 'object' && v !== null && !Array.isArray(v);

/** distribution's keys that berth accepts and ignores, by parent path. */
const IGNORED: Record<string, string[]> = {
  '': [
    'log',
    'loglevel',
    'middleware',
    'reporting',
    'notifications',
    'redis',
    'health',
    'proxy',
    'compatibility',
    'validation',
    'policy',
    'catalog',
  ],
  http: ['net', 'prefix', 'host', 'secret', 'relativeurls', 'debug', 'http2', 'h2c'],
  'http.tls': ['clientcas', 'minimumtls', 'ciphersuites', 'letsencrypt'],
  storage: ['cache', 'maintenance', 'redirect', 'tag'],
  'storage.filesystem': ['maxthreads'],
  'auth.token': ['rootcertbundle', 'jwks', 'autoredirect'],
};

const OTHER_DRIVERS = ['inmemory', 's3', 'azure', 'gcs', 'swift', 'oss'];

class Checker {
  readonly warnings: string[] = [];

  map(v: unknown, path: string, known: string[]): Map {
    if (v === null || v === undefined) return {};
    if (!isMap(v)) throw invalidArgument(`${path || 'config'}: want a map, got ${JSON.stringify(v)}`);
    for (const k of Object.keys(v)) {
      const full = path ? `${path}.${k}` : k;
      if (known.includes(k)) continue;
      if (IGNORED[path]?.includes(k)) {
        this.warnings.push(`${full}: not used by berth's registry; ignored`);
        continue;
      }
      throw invalidArgument(
        `unknown config key ${full}${known.length ? ` (known here: ${known.join(', ')})` : ''}`,
      );
    }
    return v;
  }
}

function str(v: unknown, key: string): string {
  if (typeof v === 'string' && v.trim() !== '') return v;
  throw invalidArgument(`${key}: want a non-empty string, got ${JSON.stringify(v)}`);
}

function bool(v: unknown, key: string): boolean {
  if (typeof v === 'boolean') return v;
  throw invalidArgument(`${key}: want true or false, got ${JSON.stringify(v)}`);
}

function positiveInt(v: unknown, key: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  throw invalidArgument(`${key}: want a whole number above 0, got ${JSON.stringify(v)}`);
}

/** `host:port`, `:port` (every interface) or `[v6]:port`. */
export function parseAddr(addr: string, key = 'http.addr'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535)
    throw invalidArgument(`${key}: invalid address "${addr}": want host:port, e.g. 127.0.0.1:5000`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function parseAuth(c: Checker, v: unknown): AuthConfig | undefined {
  if (v === undefined || v === null) return undefined;
  const auth = c.map(v, 'auth', ['htpasswd', 'token', 'silly', 'none']);
  const kinds = Object.keys(auth);
  if (kinds.some((k) => k === 'silly' || k === 'none')) {
    throw invalidArgument(
      `auth.${kinds.find((k) => k === 'silly' || k === 'none')}: not supported by berth: use htpasswd or token`,
    );
  }
  if (kinds.length > 1)
    throw invalidArgument(`auth: configure one of htpasswd or token, not ${kinds.join(' and ')}`);
  if (auth.htpasswd !== undefined) {
    const h = c.map(auth.htpasswd, 'auth.htpasswd', ['realm', 'path']);
    return {
      htpasswd: { realm: str(h.realm, 'auth.htpasswd.realm'), path: str(h.path, 'auth.htpasswd.path') },
    };
  }
  if (auth.token !== undefined) {
    const t = c.map(auth.token, 'auth.token', [
      'realm',
      'service',
      'issuer',
      'htpasswd',
      'key',
      'expiration',
      'acl',
    ]);
    const token: NonNullable<AuthConfig['token']> = {
      realm: str(t.realm, 'auth.token.realm'),
      service: str(t.service, 'auth.token.service'),
      issuer: str(t.issuer, 'auth.token.issuer'),
      htpasswd: str(t.htpasswd, 'auth.token.htpasswd'),
    };
    if (t.key !== undefined) token.key = str(t.key, 'auth.token.key');
    if (t.expiration !== undefined) token.expiration = positiveInt(t.expiration, 'auth.token.expiration');
    // The ACL's shape is the auth module's to check (it names the entry that is wrong).
    if (t.acl !== undefined) token.acl = t.acl as NonNullable<AuthConfig['token']>['acl'];
    return { token };
  }
  return undefined;
}

function parseHeaders(v: unknown): Record<string, string[]> {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw invalidArgument(`http.headers: want a map of header names to lists of values`);
  const out: Record<string, string[]> = {};
  for (const [k, vals] of Object.entries(v)) {
    const list = Array.isArray(vals) ? vals : [vals];
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(k) || !list.every((x) => typeof x === 'string')) {
      throw invalidArgument(`http.headers.${k}: want a header name with a list of string values`);
    }
    out[k] = list as string[];
  }
  return out;
}

/** Parse the YAML text of a config file; `file` names it in errors. Defaults fill what is absent. */
export function parseConfig(text: string, file = 'config'): RegistryConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw invalidArgument(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const c = new Checker();
  try {
    const top = c.map(doc, '', ['version', 'http', 'storage', 'auth', 'limits']);
    if (top.version !== undefined && String(top.version) !== '0.1') {
      throw invalidArgument(`version: unsupported config version ${JSON.stringify(top.version)}: want 0.1`);
    }
    const http = c.map(top.http, 'http', ['addr', 'tls', 'headers', 'draintimeout']);
    const addr = http.addr === undefined ? DEFAULT_ADDR : str(http.addr, 'http.addr');
    const { host, port } = parseAddr(addr);
    let tls: RegistryConfig['tls'];
    if (http.tls !== undefined) {
      const t = c.map(http.tls, 'http.tls', ['certificate', 'key']);
      if (t.certificate !== undefined || t.key !== undefined) {
        tls = { certificate: str(t.certificate, 'http.tls.certificate'), key: str(t.key, 'http.tls.key') };
      }
    }
    const storage = c.map(top.storage, 'storage', ['filesystem', 'delete', ...OTHER_DRIVERS]);
    const other = OTHER_DRIVERS.find((d) => d in storage);
    if (other) throw invalidArgument(`storage.${other}: berth's registry has only the filesystem driver`);
    const fs = c.map(storage.filesystem, 'storage.filesystem', ['rootdirectory']);
    const del = c.map(storage.delete, 'storage.delete', ['enabled']);
    const limitsIn = c.map(top.limits, 'limits', [
      'manifestbytes',
      'uploadlifetime',
      'requesttimeout',
      'maxuploads',
    ]);
    const limits: RegistryLimits = { ...DEFAULT_LIMITS };
    if (limitsIn.manifestbytes !== undefined)
      limits.manifestBytes = positiveInt(limitsIn.manifestbytes, 'limits.manifestbytes');
    if (limitsIn.uploadlifetime !== undefined)
      limits.uploadLifetimeMs = parseDuration(limitsIn.uploadlifetime, 'limits.uploadlifetime');
    if (limitsIn.requesttimeout !== undefined)
      limits.requestTimeoutMs = parseDuration(limitsIn.requesttimeout, 'limits.requesttimeout');
    if (limitsIn.maxuploads !== undefined)
      limits.maxUploads = positiveInt(limitsIn.maxuploads, 'limits.maxuploads');
    return {
      addr,
      host,
      port,
      tls,
      rootDirectory:
        fs.rootdirectory === undefined
          ? DEFAULT_ROOT
          : str(fs.rootdirectory, 'storage.filesystem.rootdirectory'),
      deleteEnabled: del.enabled === undefined ? false : bool(del.enabled, 'storage.delete.enabled'),
      auth: parseAuth(c, top.auth),
      limits,
      headers: parseHeaders(http.headers),
      shutdownTimeoutMs:
        http.draintimeout === undefined
          ? DEFAULT_SHUTDOWN_TIMEOUT_MS
          : parseDuration(http.draintimeout, 'http.draintimeout'),
      warnings: c.warnings,
    };
  } catch (err) {
    throw invalidArgument(`${file}: ${(err as Error).message}`);
  }
}

export interface ConfigSources {
  /** The YAML file (--config). */
  file?: string;
  /** --addr, over http.addr. */
  addr?: string;
  /** --root, over storage.filesystem.rootdirectory. */
  root?: string;
}

/** The config from a file (or defaults), with flags over it. */
export async function loadConfig(src: ConfigSources): Promise<RegistryConfig> {
  let text = '';
  if (src.file !== undefined) {
    try {
      text = await readFile(src.file, 'utf8');
    } catch (err) {
      throw fromErrno(err, `reading the registry config ${src.file}`);
    }
  }
  const config = parseConfig(text, src.file ?? 'config');
  if (src.addr !== undefined) {
    Object.assign(config, parseAddr(src.addr, '--addr'), { addr: src.addr });
  }
  if (src.root !== undefined) config.rootDirectory = src.root;
  return config;
}
