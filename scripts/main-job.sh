#!/usr/bin/env bash
# berth's main job, end to end, on this machine: make a busybox root filesystem
# from Debian's busybox-static, import it as an image, run a container from it
# (its writes go to the container's own layer, the image stays as it was), and
# save the image. (Building it from a Dockerfile comes with the builder.)
set -euo pipefail
cd "$(dirname "$0")/.."
berth=bin/berth
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/rootfs/bin" "$work/rootfs/etc"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in sh ls cat echo hostname; do ln -s busybox "$work/rootfs/bin/$applet"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/rootfs/etc/passwd"

"$berth" import --change 'CMD ["sh"]' "$work/rootfs" busybox:demo
"$berth" images busybox
"$berth" run --rm --name berth-demo busybox:demo sh -c 'echo "hello from $(hostname), a berth container"; echo note > /written-here; ls /'
"$berth" run --rm busybox:demo sh -c 'test ! -e /written-here && echo "a new container starts from the unchanged image"'
"$berth" save -o busybox-demo.tar busybox:demo
echo "saved busybox:demo to $(pwd)/busybox-demo.tar ($(du -h busybox-demo.tar | cut -f1))"
