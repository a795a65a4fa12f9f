#!/bin/sh
# Entrypoint of notes (written by node-docker-wizard; see DOCKER.md):
# run migrations when RUN_MIGRATIONS=true, then exec the command.
set -eu

if [ "${RUN_MIGRATIONS:-false}" = "true" ]; then
  echo "Running database migrations (prisma migrate deploy)" >&2
  if ! NODE_PATH=/opt/prisma/node_modules node /opt/prisma/node_modules/prisma/build/index.js migrate deploy --schema prisma/schema.prisma; then
    echo "Migrations failed: not starting the service." >&2
    exit 1
  fi
fi

exec "$@"
