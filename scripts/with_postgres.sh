#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server on loopback:
#   scripts/with_postgres.sh COMMAND...   (COMMAND sees DATABASE_URL)
# Installs PostgreSQL from Debian's packages if absent; the server and its data are
# removed when the command ends.
set -euo pipefail

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PGBIN=$(pg_bin)
id postgres >/dev/null 2>&1 || useradd --system postgres
PGDATA=$(mktemp -d /tmp/pneumo-pg.XXXXXX)
chown postgres "$PGDATA"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }

as_postgres "$PGBIN/initdb -D $PGDATA -A trust -U postgres --no-sync" >/dev/null
as_postgres "$PGBIN/pg_ctl -D $PGDATA -l $PGDATA/server.log -o \"-p $PORT -k $PGDATA -h 127.0.0.1 -F\" -w start" >/dev/null
stop() { as_postgres "$PGBIN/pg_ctl -D $PGDATA -m immediate stop" >/dev/null 2>&1 || true; rm -rf "$PGDATA"; }
trap stop EXIT
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres" "$@"
