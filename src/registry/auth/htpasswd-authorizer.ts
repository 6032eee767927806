// Basic authentication against an htpasswd file: any user in the file may do
// anything. A missing or wrong password gets the Basic challenge again.
import type { IncomingHttpHeaders } from 'node:http';
import { basicChallenge } from './challenge.ts';
import { readCredentials } from './credentials.ts';
import type { HtpasswdFile } from './htpasswd.ts';
import type { AccessRequest, AuthDecision, Authorizer } from './types.ts';

export class HtpasswdAuthorizer implements Authorizer {
  readonly #realm: string;
  readonly #users: HtpasswdFile;

  constructor(realm: string, users: HtpasswdFile) {
    this.#realm = realm;
    this.#users = users;
  }

  async authorize(headers: IncomingHttpHeaders, _access: AccessRequest[]): Promise<AuthDecision> {
    const creds = readCredentials(headers);
    if (creds?.scheme === 'basic' && (await this.#users.verify(creds.user, creds.password))) {
      return { ok: true, user: creds.user };
    }
    return {
      ok: false,
      status: 401,
      headers: { 'WWW-Authenticate': basicChallenge(this.#realm) },
      code: 'UNAUTHORIZED',
      message: creds === undefined ? 'authentication required' : 'invalid username or password',
    };
  }

  async handle(): Promise<boolean> {
    return false;
  }
}
