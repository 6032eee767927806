// The bytes of an image config berth writes. Go tools (skopeo, containerd,
// Docker) decode and re-encode configs when they convert an image, and a config
// keeps its digest, so its image ID, only if berth already wrote what Go would:
// fields in the Go structs' order, empty optional fields left out, and times in
// RFC 3339 with the fraction's trailing zeros trimmed (Go's RFC3339Nano).
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../oci/descriptor.ts';

const IMAGE_ORDER = [
  'created',
  'author',
  'architecture',
  'os',
  'os.version',
  'os.features',
  'variant',
  'config',
  'rootfs',
  'history',
];
const CONFIG_ORDER = [
  'User',
  'ExposedPorts',
  'Env',
  'Entrypoint',
  'Cmd',
  'Volumes',
  'WorkingDir',
  'Labels',
  'StopSignal',
  'ArgsEscaped',
];
const HISTORY_ORDER = ['created', 'created_by', 'author', 'comment', 'empty_layer'];

/** A time as Go's RFC3339Nano writes it: `2026-11-28T22:40:11.12Z`, not `.120Z`. */
export function goTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.?0+Z$/, 'Z');
}

const isEmpty = (v: unknown) =>
  v === undefined || v === '' || v === false || (Array.isArray(v) && v.length === 0);

/** Known keys first in `order`, empty ones dropped; other keys after, as they were. */
function ordered<T extends object>(value: T, order: readonly string[], keep: readonly string[] = []): T {
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of order) if (k in src && (keep.includes(k) || !isEmpty(src[k]))) out[k] = src[k];
  for (const k of Object.keys(src))
    if (!(k in out) && !order.includes(k) && src[k] !== undefined) out[k] = src[k];
  return out as T;
}

export function encodeImageConfig(config: ImageConfig): Buffer {
  const doc: ImageConfig = {
    ...config,
    config: config.config && ordered<ContainerConfig>(config.config, CONFIG_ORDER),
    history: config.history?.map((h) => ordered<HistoryEntry>(h, HISTORY_ORDER)),
  };
  return Buffer.from(JSON.stringify(ordered(doc, IMAGE_ORDER, ['architecture', 'os', 'config', 'rootfs'])));
}
