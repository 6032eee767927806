// From an endpoint and a method to its handler.
import { RegistryError } from '../registry-error.ts';
import { deleteBlob, getBlob } from './blob-handlers.ts';
import type { Handler } from './context.ts';
import { baseHandler, catalogHandler, referrersHandler, tagsHandler } from './listing-handlers.ts';
import { deleteManifest, getManifest, putManifest } from './manifest-handlers.ts';
import { METHODS, type Route } from './routes.ts';
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from './upload-handlers.ts';

function pick(route: Route, method: string): Handler | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  switch (route.kind) {
    case 'base':
      return m === 'GET' ? baseHandler : undefined;
    case 'catalog':
      return m === 'GET' ? catalogHandler : undefined;
    case 'tags':
      return m === 'GET' ? tagsHandler(route.name) : undefined;
    case 'referrers':
      return m === 'GET' ? referrersHandler(route.name, route.digest) : undefined;
    case 'manifest':
      if (m === 'GET') return getManifest(route.name, route.reference);
      if (m === 'PUT') return putManifest(route.name, route.reference);
      if (m === 'DELETE') return deleteManifest(route.name, route.reference);
      return undefined;
    case 'blob':
      if (m === 'GET') return getBlob(route.name, route.digest);
      if (m === 'DELETE') return deleteBlob(route.name, route.digest);
      return undefined;
    case 'uploads':
      return m === 'POST' ? startUpload(route.name) : undefined;
    case 'upload':
      if (m === 'GET') return uploadStatus(route.name, route.uuid);
      if (m === 'PATCH') return patchUpload(route.name, route.uuid);
      if (m === 'PUT') return finishUpload(route.name, route.uuid);
      if (m === 'DELETE') return cancelUpload(route.name, route.uuid);
      return undefined;
    case 'unknown':
      return undefined;
  }
}

/** The handler of a request; UNSUPPORTED (404 or 405) when there is none. */
export function handlerFor(route: Route, method: string, path: string): Handler {
  const handler = pick(route, method);
  if (handler) return handler;
  if (route.kind === 'unknown') {
    throw new RegistryError('UNSUPPORTED', `this registry has no endpoint ${path}`, { status: 404 });
  }
  throw new RegistryError(
    'UNSUPPORTED',
    `${method} is not supported on ${path}; use ${METHODS[route.kind].join(', ')}`,
    {
      detail: { allowed: METHODS[route.kind] },
    },
  );
}
