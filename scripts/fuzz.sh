#!/usr/bin/env bash
# Runs every Fuzz target of the root module in turn for FUZZTIME each.
# Minimizing each new interesting input is capped at FUZZMINTIME (the
# default of 60 s lets a worker spend most of a short run minimizing, with
# no executions counted).
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-10s}
for pkg in $(go list ./...); do
  for f in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "== $pkg $f ($t)"
    go test -run='^$' -fuzz="^${f}\$" -fuzztime="$t" -fuzzminimizetime="${FUZZMINTIME:-5s}" "$pkg"
  done
done
