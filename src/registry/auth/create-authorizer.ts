// From the `auth` section of the registry's config to an Authorizer. Everything is
// checked and loaded here, at start, so a bad config stops the server with an error
// naming the key and the file rather than failing the first client.
import { resolve } from 'node:path';
import { BerthError } from '../../util/errors.ts';
import { DEFAULT_ACL, validateAcl } from './acl.ts';
import { HtpasswdFile } from './htpasswd.ts';
import { HtpasswdAuthorizer } from './htpasswd-authorizer.ts';
import { parseRealm } from './realm.ts';
import { generateSigningKey, loadSigningKey } from './signing-key.ts';
import { TokenAuthorizer } from './token-authorizer.ts';
import { TokenEndpoint } from './token-endpoint.ts';
import { TokenIssuer } from './tokens.ts';
import type { AuthConfig, Authorizer, AuthorizerOptions } from './types.ts';

/** The authorizer for `config`; undefined when the registry is open (no auth configured). */
export async function createAuthorizer(
  config: AuthConfig | undefined,
  options: AuthorizerOptions = {},
): Promise<Authorizer | undefined> {
  if (config === undefined || config === null) return undefined;
  if (typeof config !== 'object') throw new BerthError('InvalidArgument', 'auth: must be a map');
  if (config.htpasswd && config.token) {
    throw new BerthError('InvalidArgument', 'auth: configure htpasswd or token, not both');
  }
  if (config.htpasswd) {
    const c = config.htpasswd as Record<string, unknown>;
    const realm = requireString(c.realm, 'auth.htpasswd.realm');
    const path = resolve(requireString(c.path, 'auth.htpasswd.path'));
    return new HtpasswdAuthorizer(realm, await HtpasswdFile.open(path, 'auth.htpasswd.path', options));
  }
  if (config.token) {
    const c = config.token as Record<string, unknown>;
    const realmText = requireString(c.realm, 'auth.token.realm');
    const realm = parseRealm(realmText, 'auth.token.realm', options.https);
    const service = requireString(c.service, 'auth.token.service');
    const issuerName = requireString(c.issuer, 'auth.token.issuer');
    const users = await HtpasswdFile.open(
      resolve(requireString(c.htpasswd, 'auth.token.htpasswd')),
      'auth.token.htpasswd',
      options,
    );
    const key =
      c.key === undefined
        ? generateSigningKey()
        : await loadSigningKey(resolve(requireString(c.key, 'auth.token.key')), 'auth.token.key');
    if (c.expiration !== undefined && !(Number.isInteger(c.expiration) && (c.expiration as number) > 0)) {
      throw new BerthError(
        'InvalidArgument',
        'auth.token.expiration: must be a whole number of seconds above 0',
      );
    }
    const acl = c.acl === undefined ? DEFAULT_ACL : validateAcl(c.acl, 'auth.token.acl');
    const issuer = new TokenIssuer({
      key,
      issuer: issuerName,
      service,
      expiration: c.expiration as number | undefined,
      now: options.now,
    });
    const endpoint = new TokenEndpoint({ issuer, users, acl, realm: realmText });
    return new TokenAuthorizer(realm, issuer, endpoint);
  }
  throw new BerthError(
    'InvalidArgument',
    'auth: configure htpasswd (realm, path) or token (realm, service, issuer, htpasswd)',
  );
}

function requireString(value: unknown, configKey: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new BerthError('InvalidArgument', `${configKey}: must be a non-empty string`);
  }
  return value;
}
