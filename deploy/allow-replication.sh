#!/usr/bin/env bash
# Run once by the postgres image when it initialises db's data directory (docker-entrypoint-initdb.d): lets
# the replica service clone and follow it over streaming replication, as the database's own user.
set -euo pipefail
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "${PGDATA}/pg_hba.conf"
