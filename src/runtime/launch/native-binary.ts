// Where the native core's binary is: $BERTH_NATIVE, or native/build/ of the
// source tree (from src/runtime/launch/, from a bundle in dist/, or from one of
// the bundle's chunks in dist/chunks/).
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BerthError } from '../../util/errors.ts';

const CANDIDATES = [
  '../../../native/build/berth-native',
  '../native/build/berth-native',
  '../../native/build/berth-native',
];

export function nativeBinaryPath(): string {
  const fromEnv = process.env.BERTH_NATIVE;
  const tried = fromEnv ? [fromEnv] : CANDIDATES.map((c) => fileURLToPath(new URL(c, import.meta.url)));
  for (const p of tried) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  throw new BerthError(
    'FailedPrecondition',
    `berth-native not found (tried ${tried.join(', ')}): run scripts/build-native.sh, or set BERTH_NATIVE`,
  );
}
