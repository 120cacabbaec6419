#!/bin/bash
# The container's health check: exit 0 when GET /health answers 200 within 3 s, else 1.
# bash and its /dev/tcp rather than a Node script: ECS runs the check inside the task, under its CPU
# limit, every few seconds, and starting Node costs ~20 times the CPU of this (bench: health-check).
port=${PORT:-8080}
if ! exec 3<>"/dev/tcp/127.0.0.1/$port"; then
  echo "health: nothing answers on 127.0.0.1:$port"
  exit 1
fi
# HTTP/1.0: the answer comes unchunked and the server closes the connection after it.
printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$port" >&3
# The whole answer, read up to the close; read gives up after 3 s.
IFS= read -r -d '' -t 3 answer <&3
if (($? > 128)); then
  echo "health: no answer within 3 s"
  exit 1
fi
status=${answer%%$'\r'*}
echo "health: $status ${answer#*$'\r\n\r\n'}"
[[ $status =~ ^HTTP/1\.[01]\ 200\  ]]
