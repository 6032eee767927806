#!/usr/bin/env bash
# berth's main job, end to end, on this machine: make a busybox root filesystem
# from Debian's busybox-static, import it as an image, list it, and save it.
# (It will build from a Dockerfile and run a container once those land.)
set -euo pipefail
cd "$(dirname "$0")/.."
berth=bin/berth
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/rootfs/bin" "$work/rootfs/etc"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in sh ls cat echo; do ln -s busybox "$work/rootfs/bin/$applet"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/rootfs/etc/passwd"

"$berth" import --change 'CMD ["sh"]' "$work/rootfs" busybox:demo
"$berth" images busybox
"$berth" save -o busybox-demo.tar busybox:demo
echo "saved busybox:demo to $(pwd)/busybox-demo.tar ($(du -h busybox-demo.tar | cut -f1))"
