#!/bin/bash
# Test stand-in for the official mysql image's entrypoint (never shipped), on MariaDB. First start
# with an empty /var/lib/mysql: needs MYSQL_ROOT_PASSWORD (or MYSQL_ALLOW_EMPTY_PASSWORD /
# MYSQL_RANDOM_ROOT_PASSWORD), creates MYSQL_DATABASE and MYSQL_USER/MYSQL_PASSWORD with all
# rights on it, runs /docker-entrypoint-initdb.d/*.sql, with networking off until done.
set -euo pipefail

if [ "${1:0:1}" = '-' ]; then
  set -- mysqld "$@"
fi
if [ "$1" != 'mysqld' ]; then
  exec "$@"
fi
shift
server=(mariadbd --user=mysql --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock)

if [ ! -d /var/lib/mysql/mysql ]; then
  if [ -z "${MYSQL_ROOT_PASSWORD:-}" ] && [ -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-}" ] \
    && [ -z "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
    echo 'error: database is uninitialized and password option is not specified' >&2
    echo '  You need to specify one of MYSQL_ROOT_PASSWORD, MYSQL_ALLOW_EMPTY_PASSWORD and MYSQL_RANDOM_ROOT_PASSWORD' >&2
    exit 1
  fi
  chown -R mysql:mysql /var/lib/mysql /run/mysqld
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db \
    --auth-root-authentication-method=normal >/dev/null
  "${server[@]}" --skip-networking &
  pid=$!
  for _ in $(seq 60); do
    mariadb-admin --socket=/run/mysqld/mysqld.sock ping --silent 2>/dev/null && break
    sleep 0.5
  done
  root_password="${MYSQL_ROOT_PASSWORD:-}"
  if [ -n "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
    root_password="$(head -c 18 /dev/urandom | base64)"
    echo "GENERATED ROOT PASSWORD: $root_password"
  fi
  sql() { mariadb --protocol=socket --socket=/run/mysqld/mysqld.sock -uroot "$@"; }
  esc() { printf '%s' "$1" | sed "s/'/''/g"; }
  {
    echo "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$(esc "$root_password")';"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$(esc "$root_password")';"
    if [ -n "${MYSQL_DATABASE:-}" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE}\`;"
    fi
    if [ -n "${MYSQL_USER:-}" ] && [ -n "${MYSQL_PASSWORD:-}" ]; then
      echo "CREATE USER '${MYSQL_USER}'@'%' IDENTIFIED BY '$(esc "$MYSQL_PASSWORD")';"
      if [ -n "${MYSQL_DATABASE:-}" ]; then
        echo "GRANT ALL ON \`${MYSQL_DATABASE}\`.* TO '${MYSQL_USER}'@'%';"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | sql
  for f in /docker-entrypoint-initdb.d/*.sql; do
    if [ -e "$f" ]; then sql -p"$root_password" "${MYSQL_DATABASE:-mysql}" < "$f"; fi
  done
  kill "$pid"
  wait "$pid"
  echo 'MySQL init process done. Ready for start up.'
fi
exec "${server[@]}" --bind-address=0.0.0.0 "$@"
