#!/usr/bin/env bash
# Runs lint, type checks and the test suite. Starts a throwaway PostgreSQL server
# (installing Debian's package when it is missing and we are root) so the API suite
# runs against both databases; under CI a missing PostgreSQL is an error, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

"$BIN/ruff" check .
"$BIN/ruff" format --check .
"$BIN/mypy"

source scripts/postgres.sh
if start_postgres; then
    trap stop_postgres EXIT
elif [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL could not be started; CI requires it" >&2
    exit 1
else
    echo "note: PostgreSQL not available, its tests will be skipped" >&2
fi

# The browser tests drive Debian's Chromium (Playwright cannot download its own browsers here).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing Chromium from Debian's packages" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
        || echo "note: Chromium could not be installed" >&2
fi
if ! command -v chromium >/dev/null 2>&1; then
    if [ "${CI:-}" = "true" ]; then
        echo "Chromium is missing; CI requires it for the browser tests" >&2
        exit 1
    fi
    echo "note: Chromium not available, the browser tests will be skipped" >&2
fi

"$BIN/pytest" -n 2 "$@"
