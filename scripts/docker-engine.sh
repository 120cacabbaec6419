#!/usr/bin/env bash
# Makes sure a Docker engine answers. Installs and starts one (Debian's docker.io) when the machine
# allows it (root with apt); otherwise says in one line what to install.
# Exit 0: engine reachable. Exit 1: not reachable (the message says why).
set -euo pipefail

engine_up() { docker info >/dev/null 2>&1; }

engine_up && exit 0

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing the Docker engine (Debian package docker.io)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io) >/tmp/iscoolgpt-docker-install.log 2>&1 || {
      echo "setup: installing docker.io failed; see /tmp/iscoolgpt-docker-install.log" >&2; exit 1; }
  else
    echo "setup: no Docker engine: install Docker Engine or Docker Desktop (https://docs.docker.com/engine/install/) and start it" >&2
    exit 1
  fi
fi

if [ "$(id -u)" = 0 ] && ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "setup: starting dockerd (log: /var/log/dockerd.log)" >&2
  # setsid: the engine must outlive the npm script that started it.
  setsid dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
fi

for _ in $(seq 1 60); do
  engine_up && exit 0
  sleep 0.5
done
echo "setup: the Docker engine does not answer: start it (e.g. 'sudo systemctl start docker' or 'sudo dockerd &'); see /var/log/dockerd.log" >&2
exit 1
