#!/bin/sh
# Entrypoint of worker (written by node-docker-wizard; see DOCKER.md):
# wait for Redis, then exec the command.
set -eu

WAIT_TIMEOUT="${WAIT_TIMEOUT:-60}"

# wait_for NAME URL DEFAULT_PORT: open a TCP connection to the host in URL (read from the
# variable NAME) until it answers or WAIT_TIMEOUT seconds pass. The image has no nc or curl; Node can open a socket.
wait_for() {
  node -e '
const net = require("node:net");
const [name, raw, seconds, defaultPort] = process.argv.slice(1);
let url;
try {
  url = new URL(raw);
} catch {
  console.error(name + " is not set or not a URL (got \"" + raw + "\")");
  process.exit(2);
}
const host = url.hostname.replace(/^\[|\]$/g, "");
const port = Number(url.port || defaultPort);
const deadline = Date.now() + Number(seconds) * 1000;
const attempt = () => {
  const socket = net.connect({ host, port });
  let settled = false;
  const retry = () => {
    if (settled) return;
    settled = true;
    socket.destroy();
    if (Date.now() >= deadline) {
      console.error(name + ": " + host + ":" + port + " did not accept connections within " + seconds + "s");
      process.exit(1);
    }
    setTimeout(attempt, 1000);
  };
  socket.setTimeout(2000, retry);
  socket.once("error", retry);
  socket.once("connect", () => {
    settled = true;
    socket.end();
    console.error(name + ": " + host + ":" + port + " is up");
    process.exit(0);
  });
};
attempt();
' "$1" "$2" "$WAIT_TIMEOUT" "$3"
}

# Only where REDIS_URL is set: a one-off command such as the migration job has no Redis.
if [ -n "${REDIS_URL:-}" ]; then
  wait_for REDIS_URL "${REDIS_URL:-}" 6379
fi

exec "$@"
