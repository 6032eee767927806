// The token endpoint of the Docker token spec. GET takes `service`, `scope` (any
// number, each maybe several space-separated), `account` and `offline_token`, with
// the user's password as Basic auth; no credentials at all get a token that opens
// nothing. POST takes the OAuth2 form docker uses: `grant_type=password` (username,
// password) or `grant_type=refresh_token`, with `access_type=offline` asking for a
// refresh token. Errors carry both the distribution body (`errors`) clients print
// and the OAuth2 fields (`error`, `error_description`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { grantAccess } from './acl.ts';
import { basicChallenge } from './challenge.ts';
import { readCredentials } from './credentials.ts';
import { type HtpasswdFile, hashFingerprint } from './htpasswd.ts';
import { TokenError } from './jwt.ts';
import { parseScopes, type ResourceScope } from './scope.ts';
import type { TokenIssuer } from './tokens.ts';
import type { AclEntry } from './types.ts';

const MAX_FORM_BYTES = 64 * 1024;

class EndpointError extends Error {
  constructor(
    readonly status: 400 | 401 | 405 | 413 | 415,
    readonly oauth: string,
    message: string,
  ) {
    super(message);
  }
}

export interface TokenEndpointOptions {
  issuer: TokenIssuer;
  users: HtpasswdFile;
  acl: readonly AclEntry[];
  /** The realm named in a Basic challenge when the password is wrong. */
  realm: string;
}

export class TokenEndpoint {
  readonly #o: TokenEndpointOptions;

  constructor(opts: TokenEndpointOptions) {
    this.#o = opts;
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const reply =
        req.method === 'GET'
          ? await this.#get(req)
          : req.method === 'POST'
            ? await this.#post(req)
            : undefined;
      if (!reply)
        throw new EndpointError(405, 'invalid_request', `${req.method} is not served here; use GET or POST`);
      send(res, 200, reply);
    } catch (err) {
      if (!(err instanceof EndpointError)) throw err;
      const headers: Record<string, string> = {};
      if (err.status === 401) headers['WWW-Authenticate'] = basicChallenge(this.#o.realm);
      if (err.status === 405) headers.Allow = 'GET, POST';
      const code =
        err.status === 401 ? 'UNAUTHORIZED' : err.status === 405 ? 'UNSUPPORTED' : 'INVALID_REQUEST';
      send(
        res,
        err.status,
        { errors: [{ code, message: err.message }], error: err.oauth, error_description: err.message },
        headers,
      );
    }
  }

  async #get(req: IncomingMessage): Promise<object> {
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    this.#checkService(query.get('service'));
    const scopes = this.#scopes(query.getAll('scope'));
    const creds = readCredentials(req.headers);
    let user: string | undefined;
    if (creds !== undefined) {
      if (creds.scheme !== 'basic')
        throw new EndpointError(401, 'invalid_client', 'give a user name and password');
      if (!(await this.#o.users.verify(creds.user, creds.password))) {
        throw new EndpointError(401, 'invalid_client', 'incorrect username or password');
      }
      user = creds.user;
      const account = query.get('account');
      if (account !== null && account !== '' && account !== user) {
        throw new EndpointError(400, 'invalid_request', `account "${account}" is not the authenticated user`);
      }
    }
    const offline = query.get('offline_token') === 'true';
    return this.#reply(user, scopes, offline && user !== undefined);
  }

  async #post(req: IncomingMessage): Promise<object> {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      throw new EndpointError(
        415,
        'invalid_request',
        'the token form must be application/x-www-form-urlencoded',
      );
    }
    const form = new URLSearchParams(await readForm(req));
    this.#checkService(form.get('service'));
    const scopes = this.#scopes(form.getAll('scope'));
    const grant = form.get('grant_type');
    if (grant === 'password') {
      const user = form.get('username') ?? '';
      const password = form.get('password') ?? '';
      if (user === '' || !(await this.#o.users.verify(user, password))) {
        throw new EndpointError(401, 'invalid_grant', 'incorrect username or password');
      }
      return this.#reply(user, scopes, form.get('access_type') === 'offline');
    }
    if (grant === 'refresh_token') {
      const user = await this.#refreshUser(form.get('refresh_token') ?? '');
      return this.#reply(user, scopes, false);
    }
    throw new EndpointError(
      400,
      'unsupported_grant_type',
      `grant_type "${grant ?? ''}" is not supported; use password or refresh_token`,
    );
  }

  async #refreshUser(token: string): Promise<string> {
    let held: { subject: string; passwordTag: string };
    try {
      held = this.#o.issuer.verifyRefresh(token);
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      throw new EndpointError(401, 'invalid_grant', `refresh token refused: ${err.message}`);
    }
    const hash = await this.#o.users.hashOf(held.subject);
    if (hash === undefined || hashFingerprint(hash) !== held.passwordTag) {
      throw new EndpointError(
        401,
        'invalid_grant',
        'refresh token refused: the password changed; log in again',
      );
    }
    return held.subject;
  }

  async #reply(user: string | undefined, scopes: ResourceScope[], withRefresh: boolean): Promise<object> {
    const issuer = this.#o.issuer;
    const issued = issuer.issueAccess(user ?? '', grantAccess(user, scopes, this.#o.acl));
    const reply: Record<string, unknown> = {
      token: issued.token,
      access_token: issued.token,
      expires_in: issued.expiresIn,
      issued_at: issued.issuedAt.toISOString(),
    };
    if (withRefresh && user !== undefined) {
      const hash = await this.#o.users.hashOf(user);
      if (hash !== undefined) reply.refresh_token = issuer.issueRefresh(user, hashFingerprint(hash));
    }
    return reply;
  }

  #checkService(service: string | null): void {
    if (service !== null && service !== '' && service !== this.#o.issuer.service) {
      throw new EndpointError(400, 'invalid_request', `service "${service}" is not served here`);
    }
  }

  #scopes(texts: string[]): ResourceScope[] {
    try {
      return parseScopes(texts);
    } catch (err) {
      throw new EndpointError(400, 'invalid_scope', err instanceof Error ? err.message : String(err));
    }
  }
}

function readForm(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(
          new EndpointError(413, 'invalid_request', `the token form is larger than ${MAX_FORM_BYTES} bytes`),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    ...headers,
  });
  res.end(text);
}
