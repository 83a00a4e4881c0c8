#!/usr/bin/env bash
# Runs a command with the database servers of scripts/services.sh up, and
# stops them afterwards if this script started them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
started=0
if ! "$here/services.sh" env >/dev/null 2>&1 || ! pg_isready -q -h 127.0.0.1 -p "${RASP_PG_PORT:-55432}" 2>/dev/null; then
  started=1
fi
if ! out=$("$here/services.sh" start); then
  if [ "${RASP_REQUIRE_SERVICES:-}" = 1 ]; then
    echo "with-services: the database servers did not start" >&2
    exit 1
  fi
  echo "with-services: the database servers did not start; tests that need them will skip" >&2
  out=""
fi
eval "$out"
cleanup() { if [ "$started" = 1 ]; then "$here/services.sh" stop || true; fi; }
trap cleanup EXIT
"$@"
