#!/bin/sh
# Production start: migrate, optionally load demo data, then serve with several workers.
# Used by the Dockerfile and by the crash-recovery test, so both start the service the same way.
set -eu
: "${TWINNING_DATABASE_URL:?set TWINNING_DATABASE_URL (sqlite:///... or postgresql+psycopg://...)}"
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
"$PYTHON" -m alembic upgrade head
# The demo refuses a database holding data of its own, and never prints its keys here.
if [ "${TWINNING_LOAD_DEMO:-0}" = "1" ]; then
    "$PYTHON" -m app.demo
fi
# The workers' metrics are summed from files in this directory (app/metrics.py); a fresh
# one per start, so counts of an earlier run's workers do not linger.
PROMETHEUS_MULTIPROC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/twinning-metrics.XXXXXX")
export PROMETHEUS_MULTIPROC_DIR
# uvicorn's access log would print raw paths and query strings: the app writes its own.
exec "$PYTHON" -m uvicorn app.main:app \
    --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}" \
    --workers "${WEB_CONCURRENCY:-2}" \
    --proxy-headers --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
    --no-access-log --no-server-header
