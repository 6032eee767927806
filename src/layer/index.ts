// Tar layers: create (a directory, a diff of two trees, an overlay upper
// directory), apply safely (all or nothing, never outside the target), compress.
export { type ApplyOptions, type ApplyResult, applyLayer, type WhiteoutMode } from './apply-layer.ts';
export { type Compression, compressStream, decompressStream, detectCompression } from './compression.ts';
export { diffDirectories } from './diff-directories.ts';
export { diffOverlayUpper } from './diff-overlay-upper.ts';
export type { PackOptions } from './layer-items.ts';
export { packDirectory } from './pack-directory.ts';
