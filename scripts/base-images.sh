#!/usr/bin/env bash
# Makes sure the service image has base images to build from.
# The Dockerfile names the standard images (node:24-slim). When they are neither present nor
# pullable (no image registry reachable, as on offline CI), this builds local stand-ins from the
# project's own Node binary in ~2 s and writes the build arguments to use into
# .toolchain/base-images.env (sourced by scripts/run.sh):
#   devkit-base/node-build:24    node + npm + CA certificates (no shell: the Dockerfile's RUNs are exec form)
#   devkit-base/node-runtime:24  node + CA certificates, nothing else (distroless-like)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/toolchain.sh"
envfile="$root/.toolchain/base-images.env"
standard=node:24-slim
node_bin=$(command -v node)
node_version=$(node -p process.versions.node)
tag="24-$node_version"
build_image="devkit-base/node-build:$tag"
runtime_image="devkit-base/node-runtime:$tag"

have() { docker image inspect "$1" >/dev/null 2>&1; }

if have "$standard" || timeout 60 docker pull -q "$standard" >/dev/null 2>&1; then
  : >"$envfile"
  exit 0
fi

if have "$build_image" && have "$runtime_image"; then
  printf 'ISCOOLGPT_BUILD_IMAGE=%s\nISCOOLGPT_RUNTIME_IMAGE=%s\n' "$build_image" "$runtime_image" >"$envfile"
  exit 0
fi

echo "setup: no image registry reachable; making local base images from Node $node_version" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make_rootfs() { # $1: directory
  local fs=$1
  mkdir -p "$fs/usr/local/bin" "$fs/etc/ssl/certs" "$fs/tmp" "$fs/home/node" "$fs/app"
  chmod 1777 "$fs/tmp"
  cp "$node_bin" "$fs/usr/local/bin/node"
  # The loader and every library the binary links, at the paths ldd reports.
  ldd "$node_bin" | grep -o '/[^ ]*' | while read -r lib; do
    mkdir -p "$fs$(dirname "$lib")"
    cp -L "$lib" "$fs$lib"
  done
  cp -L /etc/ssl/certs/ca-certificates.crt "$fs/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/home/node:/sbin/nologin\n' >"$fs/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$fs/etc/group"
  chown 1000:1000 "$fs/home/node"
}

import() { # $1: rootfs, $2: image
  # NODE_EXTRA_CA_CERTS: the host's CA bundle, so npm works behind a TLS-inspecting proxy too.
  tar -C "$1" -c . | docker import \
    -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    -c 'ENV NODE_VERSION='"$node_version" \
    -c 'CMD ["node"]' - "$2" >/dev/null
}

make_rootfs "$work/runtime"
import "$work/runtime" "$runtime_image"

make_rootfs "$work/build"
(cd "$work" && npm pack --silent npm@11 >/dev/null && mkdir -p build/usr/local/lib/node_modules/npm \
  && tar -xzf npm-*.tgz -C build/usr/local/lib/node_modules/npm --strip-components=1)
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/build/usr/local/bin/npm"
mkdir -p "$work/build/usr/bin"
cp /usr/bin/env "$work/build/usr/bin/env" # npm's shebang is '#!/usr/bin/env node'
import "$work/build" "$build_image"

printf 'ISCOOLGPT_BUILD_IMAGE=%s\nISCOOLGPT_RUNTIME_IMAGE=%s\n' "$build_image" "$runtime_image" >"$envfile"
echo "setup: made $build_image and $runtime_image" >&2
