#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster (scripts/postgres.sh) on loopback, whose
# URL is in TWINNING_TEST_POSTGRES_URL; the cluster is removed afterwards, whatever happens.
# e.g. bash scripts/with-postgres.sh .venv/bin/python -m bench load
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
start_postgres || { echo "PostgreSQL could not be started" >&2; exit 1; }
trap stop_postgres EXIT
"$@"
