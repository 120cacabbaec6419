#!/usr/bin/env bash
# Runs a project command with the project's toolchain: `scripts/run.sh [--docker|--engine] CMD ARGS...`
# (setup.sh says what each flag makes sure of).
# npm scripts go through here so `npm test` and `npm run up` work on a fresh machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
docker_flag=()
if [ "${1:-}" = "--docker" ] || [ "${1:-}" = "--engine" ]; then docker_flag=("$1"); shift; fi
"$root/scripts/setup.sh" "${docker_flag[@]}"
. "$root/scripts/toolchain.sh"
export PATH="$root/node_modules/.bin:$PATH"
exec "$@"
