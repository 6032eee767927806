// Authentication for `berth registry serve`: htpasswd Basic auth, or bearer tokens
// from a built-in token service (Docker's token spec, with an OAuth2 form for
// `docker login`), with per-repository access from an ACL.
export { DEFAULT_ACL, grantAccess, validateAcl } from './acl.ts';
export { basicChallenge, bearerChallenge } from './challenge.ts';
export { createAuthorizer } from './create-authorizer.ts';
export { basicAuthorization, readCredentials } from './credentials.ts';
export { HtpasswdFile, parseHtpasswd } from './htpasswd.ts';
export { formatScope, parseScope, parseScopes, type ResourceScope } from './scope.ts';
export { generateSigningKey, keyIdOf, loadSigningKey, type SigningKey } from './signing-key.ts';
export { TokenIssuer } from './tokens.ts';
export type {
  AccessRequest,
  AclEntry,
  AuthConfig,
  AuthDecision,
  Authorizer,
  AuthorizerOptions,
} from './types.ts';
