#!/usr/bin/env bash
# The replica service's entrypoint: on first start, clone db with pg_basebackup (-R writes standby.signal and
# primary_conninfo, so the server starts as a hot standby streaming from db), then run PostgreSQL.
set -euo pipefail
export PGDATA=/var/lib/postgresql/data
if [ ! -s "${PGDATA}/PG_VERSION" ]; then
  until pg_basebackup -h db -p 5432 -U ginseng -D "${PGDATA}" -R -X stream; do
    echo "replica: waiting for db to accept a base backup" >&2
    rm -rf "${PGDATA:?}"/*
    sleep 2
  done
  chmod 0700 "${PGDATA}"
fi
exec postgres -c hot_standby=on
