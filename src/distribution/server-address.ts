// Registry names as logins and credential stores spell them. Docker Hub's key
// in ~/.docker/config.json is its old index URL, `https://index.docker.io/v1/`;
// every other registry's is its `host[:port]`. Keys written by older tools may
// carry a scheme or a path, so lookups compare hostnames.
import { DEFAULT_DOMAIN } from '../oci/reference.ts';

export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

const HUB_NAMES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/** `https://host:5000/v1/` → `host:5000`. */
export function hostnameOf(address: string): string {
  let s = address.trim();
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = s.indexOf('/');
  return (slash === -1 ? s : s.slice(0, slash)).toLowerCase();
}

/** The registry a login or credential names, as references name it (`docker.io` for Docker Hub). */
export function registryDomainOf(address: string | undefined): string {
  const host = hostnameOf(address ?? '');
  return host === '' || HUB_NAMES.has(host) ? DEFAULT_DOMAIN : host;
}

/** The key of a registry's credentials in config.json and credential helpers. */
export function credentialKeyOf(address: string | undefined): string {
  const domain = registryDomainOf(address);
  return domain === DEFAULT_DOMAIN ? DOCKER_HUB_KEY : domain;
}
