#!/usr/bin/env bash
# Builds berth's native core (native/build/berth-native) with the machine's C
# compiler and nothing beyond libc. Static when the static libc is installed
# (the shim then maps no shared library). Idempotent: make rebuilds only when a
# source changed. Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/../native"

cc=${CC:-cc}
command -v "$cc" >/dev/null || { echo "build-native: no C compiler ($cc); install gcc" >&2; exit 1; }
ldflags=""
if echo 'int main(void){return 0;}' | "$cc" -x c -static -o /dev/null - 2>/dev/null; then
  ldflags="-static -s"
fi
if command -v make >/dev/null; then
  make -s CC="$cc" LDFLAGS="$ldflags" build/berth-native
else
  mkdir -p build
  "$cc" -O2 -Wall -Wextra -Werror -std=gnu11 -D_FORTIFY_SOURCE=2 -o build/berth-native.tmp src/*.c $ldflags
  mv build/berth-native.tmp build/berth-native
fi
echo "$(pwd)/build/berth-native"
