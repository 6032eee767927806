// The Docker Engine API versions berth serves. 1.41 is the floor the architecture
// promises (Docker 20.10's API, what Debian's docker.io speaks). 1.47 (Docker 27) is
// the ceiling: the newest version whose endpoints berth implements as documented.
// 1.48 changed image inspect and listing to describe per-platform manifests, which
// berth does not report yet; raise the ceiling when it does.

export const MIN_API_VERSION = '1.41';
export const MAX_API_VERSION = '1.47';

const VERSION_RE = /^\d+(\.\d+)?$/;

export const isApiVersion = (s: string): boolean => VERSION_RE.test(s);

/** Compare dotted versions numerically, segment by segment ("1.9" < "1.41"). */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export const minApiVersion = (a: string, b: string): string => (compareApiVersions(a, b) <= 0 ? a : b);
