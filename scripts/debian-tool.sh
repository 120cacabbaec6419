#!/usr/bin/env bash
# Makes sure a tool from a Debian package is installed: `scripts/debian-tool.sh PATH PACKAGE HINT`.
# Used for the AWS CLI v2 at /usr/bin/aws (tests drive the local cloud with it) and CNCF
# Distribution (the registry benchmark's yardstick). Without root+apt it prints HINT and exits 1.
set -euo pipefail
path=$1 package=$2 hint=$3
[ -x "$path" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing $path (Debian package $package)" >&2
  log=/tmp/iscoolgpt-$package-install.log
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package") >"$log" 2>&1 || {
    echo "setup: installing $package failed; see $log" >&2; exit 1; }
  exit 0
fi
echo "setup: $path is missing: $hint" >&2
exit 1
