// The registry server (`berth registry serve`): the OCI distribution API over a
// RegistryStorage driver, its config file, and offline garbage collection.
export { listRepositories } from './catalog.ts';
export * from './config.ts';
export { parseDuration } from './duration.ts';
export { collectGarbage, DEFAULT_GC_GRACE_MS, type GcOptions, type GcResult } from './gc.ts';
export { isRepositoryName, isTag } from './names.ts';
export { openRegistry } from './open.ts';
export { DEFAULT_LIMITS, Registry, type RegistryLimits, type RegistryOptions } from './registry.ts';
export { isRegistryError, type OciErrorCode, RegistryError } from './registry-error.ts';
export * from './server/index.ts';
export * from './storage/index.ts';
