// The token realm as configured may be a full URL or only a path. A path is
// completed from the request's Host header, so a server listening on a port chosen
// at start can still send a usable challenge (clients need an absolute URL). The
// authorizer never sees the socket, so the scheme comes from the server's word
// (`https`), else from X-Forwarded-Proto, else it is http.
import type { IncomingHttpHeaders } from 'node:http';
import { BerthError } from '../../util/errors.ts';

export interface Realm {
  /** The path the token endpoint serves. */
  readonly path: string;
  /** The realm to put in a challenge answering a request with these headers. */
  forRequest(headers: IncomingHttpHeaders): string;
}

export function parseRealm(realm: string, configKey: string, https = false): Realm {
  if (realm.startsWith('/')) {
    const path = new URL(realm, 'http://localhost').pathname;
    return {
      path,
      forRequest(headers) {
        const host = headers.host;
        if (!host || !/^[A-Za-z0-9.:[\]-]+$/.test(host)) return realm;
        const proto = https || headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
        return `${proto}://${host}${realm}`;
      },
    };
  }
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new BerthError(
      'InvalidArgument',
      `${configKey}: "${realm}" is neither a URL nor a path such as /token`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BerthError('InvalidArgument', `${configKey}: "${realm}" must be an http or https URL`);
  }
  return { path: url.pathname, forRequest: () => realm };
}
