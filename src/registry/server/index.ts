export { parseRange } from './blob-handlers.ts';
export { accessFor, matchRoute, type Route } from './routes.ts';
export { RegistryServer, type RegistryServerOptions } from './server.ts';
