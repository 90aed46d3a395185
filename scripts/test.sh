#!/usr/bin/env bash
# The one test command (`npm test`). node:test on Node 20 neither expands globs nor strips types,
# so the files are listed here and tsx loads them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -gt 0 ]; then files=("$@"); else
  mapfile -t files < <(find packages -path '*/node_modules' -prune -o -path '*/test/*' -name '*.test.ts' -print | sort)
fi
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --conditions=source --import tsx --test --test-concurrency=1 "${files[@]}"
