export type { BlobInfo, ContentStore, Expected, Ingest, IngestSource } from './content-store.ts';
export { DEFAULT_MAX_DOCUMENT_SIZE, FsContentStore, type FsContentStoreOptions } from './fs-content-store.ts';
export type { IngestStatus } from './fs-ingest.ts';
export { blobPath, IMAGE_LAYOUT_VERSION, INDEX_FILE, OCI_LAYOUT_FILE } from './layout-paths.ts';
