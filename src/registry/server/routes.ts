// The endpoints of the OCI distribution spec, matched from a request path, and the access
// each needs (the scopes handed to the Authorizer). Repository names hold slashes, so each
// endpoint is matched by what ends the path.
import type { AccessRequest } from '../auth/index.ts';

export type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; uuid: string }
  | { kind: 'tags'; name: string }
  | { kind: 'referrers'; name: string; digest: string }
  | { kind: 'unknown' };

export type RouteKind = Route['kind'];

/** The methods each endpoint answers (HEAD wherever GET is). */
export const METHODS: Record<RouteKind, readonly string[]> = {
  base: ['GET', 'HEAD'],
  catalog: ['GET', 'HEAD'],
  manifest: ['GET', 'HEAD', 'PUT', 'DELETE'],
  blob: ['GET', 'HEAD', 'DELETE'],
  uploads: ['POST'],
  upload: ['GET', 'HEAD', 'PATCH', 'PUT', 'DELETE'],
  tags: ['GET', 'HEAD'],
  referrers: ['GET', 'HEAD'],
  unknown: [],
};

const PATTERNS: [RegExp, (m: RegExpExecArray) => Route][] = [
  [/^\/v2\/?$/, () => ({ kind: 'base' })],
  [/^\/v2\/_catalog\/?$/, () => ({ kind: 'catalog' })],
  [/^\/v2\/(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1], reference: m[2] })],
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploads', name: m[1] })],
  [/^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1], uuid: m[2] })],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1], digest: m[2] })],
  [/^\/v2\/(.+)\/tags\/list\/?$/, (m) => ({ kind: 'tags', name: m[1] })],
  [/^\/v2\/(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: 'referrers', name: m[1], digest: m[2] })],
];

export const isV2Path = (path: string) => path === '/v2' || path.startsWith('/v2/');

/** The endpoint of a /v2 path (`unknown` when none matches). */
export function matchRoute(path: string): Route {
  for (const [re, make] of PATTERNS) {
    const m = re.exec(path);
    if (m) return make(m);
  }
  return { kind: 'unknown' };
}

const repo = (name: string, ...actions: string[]): AccessRequest => ({ type: 'repository', name, actions });

/** What a request needs to be allowed; `mountFrom` is the `from` of a cross-repository mount. */
export function accessFor(route: Route, method: string, mountFrom?: string): AccessRequest[] {
  const reads = method === 'GET' || method === 'HEAD';
  switch (route.kind) {
    case 'base':
    case 'unknown':
      return [];
    case 'catalog':
      return [{ type: 'registry', name: 'catalog', actions: ['*'] }];
    case 'tags':
    case 'referrers':
      return [repo(route.name, 'pull')];
    case 'manifest':
    case 'blob':
      if (reads) return [repo(route.name, 'pull')];
      if (method === 'DELETE') return [repo(route.name, 'delete')];
      return [repo(route.name, 'pull', 'push')];
    case 'uploads':
      return mountFrom && mountFrom !== route.name
        ? [repo(route.name, 'pull', 'push'), repo(mountFrom, 'pull')]
        : [repo(route.name, 'pull', 'push')];
    case 'upload':
      return [repo(route.name, 'pull', 'push')];
  }
}

/** The repository name of a route, if it has one. */
export const nameOf = (route: Route): string | undefined => ('name' in route ? route.name : undefined);
