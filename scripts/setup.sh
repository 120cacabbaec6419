#!/usr/bin/env bash
# One-stop set-up, idempotent and fast when already done:
#   1. Node >= 22.18 (fetched from the npm registry when the machine's is older)
#   2. npm dependencies (npm ci when package-lock.json changed since the last install)
#   3. with --docker: a running Docker engine, base images for the service image (`devkit
#      base-images`: node:24-slim, else local stand-ins made once, before tests build in parallel),
#      the AWS CLI (the real client the tests drive the local cloud with) and Chromium (the
#      console's browser tests); with --engine (`npm run up`, `npm run devkit`): the engine only,
#      as the devkit finds or makes base images itself when it builds
# With --docker and no engine: fails when CI=true (Docker tests must never skip silently in CI),
# otherwise warns and continues (the Docker-backed tests then report themselves as skipped).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/toolchain.sh

stamp=node_modules/.iscoolgpt-lock-stamp
lock_sum=$( (cat package-lock.json; node -v) | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo "setup: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" >"$stamp"
fi

if [ "${1:-}" = "--engine" ]; then
  # Without an engine the devkit's own check says what to do, in one line.
  scripts/docker-engine.sh || true
elif [ "${1:-}" = "--docker" ]; then
  if ! scripts/debian-tool.sh /usr/bin/aws awscli \
      "install the AWS CLI v2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)" &&
    [ "${CI:-}" = "true" ]; then
    echo "setup: CI=true and no AWS CLI: failing instead of skipping the AWS CLI tests" >&2
    exit 1
  fi
  # The console's tests drive a real headless browser: Debian's chromium (or CHROME_PATH, or the
  # CI runner's Chrome at /usr/bin/google-chrome).
  if [ -z "${CHROME_PATH:-}" ] && [ ! -x /usr/bin/google-chrome ] &&
    ! scripts/debian-tool.sh /usr/bin/chromium chromium \
      "install Chromium (or set CHROME_PATH) for the console's browser tests" &&
    [ "${CI:-}" = "true" ]; then
    echo "setup: CI=true and no Chromium: failing instead of skipping the browser tests" >&2
    exit 1
  fi
  if scripts/docker-engine.sh; then
    node devkit/bin/devkit.js base-images >/dev/null
  elif [ "${CI:-}" = "true" ]; then
    echo "setup: CI=true and no Docker engine: failing instead of skipping the Docker tests" >&2
    exit 1
  else
    echo "setup: continuing without Docker; tests that need it will be reported as skipped" >&2
  fi
fi
