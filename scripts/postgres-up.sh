#!/usr/bin/env bash
# The PostgreSQL suites need a server on 127.0.0.1:5432 (trust auth, or RUNLEDGER_TEST_PG_ADMIN_URL).
# Start the machine's cluster when it is installed and down; say so plainly when it cannot be reached.
set -euo pipefail
if [ -n "${RUNLEDGER_TEST_PG_ADMIN_URL:-}" ] || pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "starting PostgreSQL on 127.0.0.1:5432…" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done
fi
echo "PostgreSQL is not reachable on 127.0.0.1:5432: the tests need it (they never skip)." >&2
exit 1
