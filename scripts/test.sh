#!/usr/bin/env bash
# The one test command (`npm test`). It sets up what the tests need first (system packages, a running
# PostgreSQL), so `npm ci && npm test` works on a fresh machine; CI calls this same command.
# node:test on Node 20 neither expands globs nor strips types, so the files are listed here and tsx loads them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/postgres-up.sh
if [ "$#" -gt 0 ]; then files=("$@"); else
  mapfile -t files < <(find packages -path '*/node_modules' -prune -o -path '*/test/*' -name '*.test.ts' -print | sort)
fi
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --conditions=source --import tsx --test --test-concurrency=1 "${files[@]}"
