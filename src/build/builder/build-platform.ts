// Platforms in a build: berth builds for the host's platform only, so the build
// platform and the target platform are both the host's. BuildKit's automatic
// platform ARGs (BUILDPLATFORM, TARGETPLATFORM, TARGETOS, TARGETARCH, ...) are
// set in the global scope: FROM lines may use them (`FROM --platform=$BUILDPLATFORM
// x`), and a stage's bare `ARG TARGETARCH` takes the value. A FROM --platform
// (or `--platform` of the build) naming another platform is refused, naming both.
import { formatPlatform, hostPlatform, normalizePlatform, parsePlatform } from '../../oci/platform.ts';
import { BerthError } from '../../util/errors.ts';

/** The automatic platform ARGs, all of the host. */
export function platformArgs(): Map<string, string> {
  const p = hostPlatform();
  const out = new Map<string, string>();
  for (const prefix of ['BUILD', 'TARGET']) {
    out.set(`${prefix}PLATFORM`, formatPlatform(p));
    out.set(`${prefix}OS`, p.os);
    out.set(`${prefix}ARCH`, p.architecture);
    out.set(`${prefix}VARIANT`, p.variant ?? '');
  }
  return out;
}

/** Refuse a platform other than the host's; `where` names the flag or line for the message. */
export function checkBuildPlatform(spec: string | undefined, where: string): void {
  if (!spec) return;
  const want = formatPlatform(normalizePlatform(parsePlatform(spec)));
  const host = formatPlatform(hostPlatform());
  if (want !== host)
    throw new BerthError(
      'NotImplemented',
      `${where}: building for platform ${want} is not supported: berth builds for the host's platform (${host}) only`,
    );
}
