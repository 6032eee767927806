// Image archives: `docker save` and `docker load`.
export * from './annotations.ts';
export * from './docker-manifest.ts';
export { MAX_ARCHIVE_DOCUMENT_SIZE } from './extract-archive.ts';
export * from './load.ts';
export * from './save.ts';
export * from './save-plan.ts';
