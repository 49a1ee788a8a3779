#!/usr/bin/env bash
# How long `academy check --watch` takes to show a new report after
# `docker tag` returns, against `docker events` printing the same tag event
# (the baseline), in the same run. Everything it makes is removed.
#
#   scripts/bench-watch.sh [ROUNDS]      (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
docker version >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/academy" ./cmd/academy
go run ./internal/cmd/watchlatency -academy "$work/academy" -rounds "${1:-30}"
