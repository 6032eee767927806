#!/usr/bin/env bash
# berth's main job, end to end, on this machine: make a busybox base image from
# Debian's busybox-static, build examples/hello/Dockerfile on it, and run
# containers from the result (their writes go to each container's own layer; the
# image stays as it was), one of them serving on a published port; then save the image.
set -euo pipefail
cd "$(dirname "$0")/.."
berth=bin/berth
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/rootfs/bin" "$work/rootfs/etc"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in sh ls cat echo hostname mkdir httpd; do ln -s busybox "$work/rootfs/bin/$applet"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/rootfs/etc/passwd"

"$berth" import --change 'CMD ["sh"]' "$work/rootfs" busybox:demo
"$berth" build -t hello:demo examples/hello
"$berth" images
"$berth" run --rm hello:demo
"$berth" run --rm --name berth-demo hello:demo sh -c 'echo "hello from $(hostname), a berth container"; echo note > /written-here; ls /'
"$berth" run --rm hello:demo sh -c 'test ! -e /written-here && echo "a new container starts from the unchanged image"'
# a service on the default bridge network, reached from the host through a published port
"$berth" rm -f berth-web >/dev/null 2>&1 || true
"$berth" run -d --name berth-web -p 127.0.0.1::80 hello:demo httpd -f -p 80 -h /app >/dev/null
address=$("$berth" port berth-web 80)
for _ in $(seq 40); do # until httpd listens
  page=$(busybox wget -q -O - "http://$address/hello.txt" 2>/dev/null) && break
  sleep 0.25
done
echo "fetched from the container's httpd at $address: ${page:?no answer from the httpd in the container}"
"$berth" rm -f berth-web >/dev/null
"$berth" save -o hello-demo.tar hello:demo
echo "saved hello:demo to $(pwd)/hello-demo.tar ($(du -h hello-demo.tar | cut -f1))"
