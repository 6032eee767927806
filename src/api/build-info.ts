// What this build of berth is: the package version, the commit and the build time.
// The commit comes from an esbuild `define` of __BERTH_GIT_COMMIT__ when the build
// sets one; the build time is the modification time of the running module (the
// bundle when bundled), read only when asked for.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pkg from '../../package.json' with { type: 'json' };

declare const __BERTH_GIT_COMMIT__: string | undefined;

export const BERTH_VERSION: string = pkg.version;

export const GIT_COMMIT: string =
  typeof __BERTH_GIT_COMMIT__ === 'string' && __BERTH_GIT_COMMIT__ ? __BERTH_GIT_COMMIT__ : 'unknown';

let buildTime: Date | undefined;
export function buildTimeOf(): Date {
  if (!buildTime) {
    try {
      buildTime = statSync(fileURLToPath(import.meta.url)).mtime;
    } catch {
      buildTime = new Date(0);
    }
  }
  return buildTime;
}

/** Go's GOARCH name for this machine, which Docker clients expect in `Arch`. */
export function goArch(arch: string = process.arch): string {
  switch (arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'ppc64':
      return 'ppc64le';
    default:
      return arch;
  }
}
