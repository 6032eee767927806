// The contract between the registry server and its authentication. The server
// asks `authorize` on every /v2/ request with the access that request needs, and
// gives `handle` every other path first (the token endpoint lives there). It never
// looks inside credentials: a refusal carries the status, the challenge headers
// and the OCI error code to send back.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** What a request touches: `repository:<name>:pull,push` or `registry:catalog:*`. Actions: pull, push, delete, `*`. */
export interface AccessRequest {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

export type AuthDecision =
  | { ok: true; user?: string }
  | {
      ok: false;
      status: 401 | 403;
      headers: Record<string, string>;
      code: 'UNAUTHORIZED' | 'DENIED';
      message: string;
      detail?: unknown;
    };

export interface Authorizer {
  authorize(headers: IncomingHttpHeaders, access: AccessRequest[]): Promise<AuthDecision>;
  /** Serves the auth's own endpoints (the token endpoint); returns false when the path is not its own. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/**
 * One grant of the token service's access list. A user gets the union of every
 * entry that matches them; with no list at all every authenticated user may do
 * everything (see DEFAULT_ACL).
 */
export interface AclEntry {
  /** A user name, or `*` for any authenticated user. Absent: any authenticated user. */
  account?: string;
  /** `repository` (the default) or `registry` (its one resource is `catalog`). */
  type?: 'repository' | 'registry';
  /** A name pattern: `*` matches any run of characters (slashes too); `${account}` is the user's name. Absent: every name. */
  name?: string;
  /** pull, push, delete, or `*` for all of them. */
  actions: string[];
}

export interface AuthConfig {
  htpasswd?: { realm: string; path: string };
  token?: {
    /** The token endpoint's URL, told to clients in the challenge; its path is served by `handle`. A bare path (`/token`) is completed from the request's Host (https when the options say so or X-Forwarded-Proto does). */
    realm: string;
    service: string;
    issuer: string;
    /** The htpasswd file the token endpoint checks passwords against. */
    htpasswd: string;
    /** A PEM private key (EC P-256 signs ES256, RSA signs RS256); absent: a fresh P-256 key each start. */
    key?: string;
    /** Access token lifetime in seconds (default 300). */
    expiration?: number;
    /** Who may do what; absent: every authenticated user may do everything. */
    acl?: AclEntry[];
  };
}

/** Hooks for the process around the authorizer; every one is optional. */
export interface AuthorizerOptions {
  /** Where operational warnings go (a bad htpasswd file on reload). Never given a password or token. */
  log?: (line: string) => void;
  /** The clock, in milliseconds since the epoch. */
  now?: () => number;
  /** The registry serves HTTPS: a token realm given as a bare path is completed with https://. */
  https?: boolean;
}
