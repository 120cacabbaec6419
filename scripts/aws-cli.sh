#!/usr/bin/env bash
# Makes sure the real AWS CLI v2 is at /usr/bin/aws (Debian's awscli package), for the tests that
# drive the local cloud with it. Without root+apt it says what to install and exits 1.
set -euo pipefail
[ -x /usr/bin/aws ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing the AWS CLI (Debian package awscli)" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli) >/tmp/iscoolgpt-awscli-install.log 2>&1 || {
    echo "setup: installing awscli failed; see /tmp/iscoolgpt-awscli-install.log" >&2; exit 1; }
  exit 0
fi
echo "setup: the AWS CLI v2 is missing at /usr/bin/aws: install it (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)" >&2
exit 1
